import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// JSX goes through Oxc's automatic runtime (Vite 8's built-in transform), so no React plugin is needed. The hooks package is used from
// source, so the app builds without building the workspace packages first.
export default defineConfig({
  root: here("."),
  oxc: { jsx: { runtime: "automatic" } },
  resolve: {
    alias: [{ find: /^@archon\/confluence-react$/, replacement: here("../../packages/react-hooks/src/index.ts") }],
    dedupe: ["react", "react-dom", "@tanstack/react-query"],
  },
  build: {
    outDir: here("dist"),
    emptyOutDir: true,
    sourcemap: true,
    rolldownOptions: {
      onwarn(warning, warn) {
        // TanStack Query marks its modules "use client" for React Server Components; meaningless in this bundle.
        if (warning.code === "MODULE_LEVEL_DIRECTIVE") return;
        warn(warning);
      },
    },
  },
  server: {
    // `npm run dev -w @archon/example-react-app` next to `npm start`: the API comes from the example server.
    proxy: { "/api": `http://127.0.0.1:${process.env.API_PORT ?? "3000"}` },
  },
});
