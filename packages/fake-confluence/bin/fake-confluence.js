#!/usr/bin/env node
// Runs the built command line. Inside the repository, before `npm run build`, it runs the TypeScript source
// through tsx instead, so `npx` works on a fresh checkout.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const built = new URL("../dist/cli.js", import.meta.url);
if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else {
  const { register } = await import("tsx/esm/api");
  register({ tsconfig: fileURLToPath(new URL("../../../tsconfig.json", import.meta.url)) });
  await import(new URL("../src/cli.ts", import.meta.url).href);
}
