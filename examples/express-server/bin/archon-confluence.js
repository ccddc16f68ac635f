#!/usr/bin/env node
// Runs the command line from its TypeScript sources through tsx, with the repository's path mappings so the
// workspace packages are used from source (no build needed).
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register({ tsconfig: fileURLToPath(new URL("../../../tsconfig.json", import.meta.url)) });
await import("../src/cli.ts");
