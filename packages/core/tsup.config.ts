import { defineConfig } from "tsup";

export default defineConfig({
  // The convert worker is its own entry: worker threads load it by URL beside the bundle.
  entry: {
    index: "src/index.ts",
    "testing/index": "src/testing/index.ts",
    "convert-worker": "src/sync/convert-worker.ts",
  },
  format: ["esm"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node22",
  external: ["vitest"],
});
