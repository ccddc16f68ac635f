#!/usr/bin/env node
// `archon-confluence-mcp`: runs the example's TypeScript entry point through tsx with the repository's tsconfig,
// which resolves the workspace packages to their sources.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register({ tsconfig: fileURLToPath(new URL("../../../tsconfig.json", import.meta.url)) });
await import("../src/cli-mcp.ts");
