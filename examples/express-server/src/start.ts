/** Entry point of `npm start`: the same as `archon-confluence serve`. */
import { runServeCommand } from "./serve.js";

process.exit(await runServeCommand(process.argv.slice(2)));
