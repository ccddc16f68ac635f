import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", cli: "src/cli.ts", "pglite-worker": "src/pglite-worker.ts" },
  format: ["esm"],
  dts: { entry: { index: "src/index.ts" } },
  clean: true,
  sourcemap: true,
  target: "node22",
  external: ["@archon/confluence-core", "pg", "pgvector", "@electric-sql/pglite", "@electric-sql/pglite-pgvector"],
});
