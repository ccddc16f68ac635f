/** Entry point of `archon-confluence-mcp`: the MCP server over stdio (see mcp-command.ts). */
import { runMcpCommand } from "./mcp-command.js";

process.exitCode = await runMcpCommand(process.argv.slice(2));
