import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", "extract-worker": "src/extract-worker.ts" },
  format: ["esm"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node22",
  external: ["@archon/confluence-core", "unpdf", "mammoth", "turndown", "turndown-plugin-gfm", "exceljs", "fflate"],
});
