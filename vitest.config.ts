import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests import the workspace packages by name; these aliases resolve them to source so no build is needed.
export const workspaceAliases = [
  { find: /^@archon\/confluence-core\/testing$/, replacement: src("./packages/core/src/testing/index.ts") },
  { find: /^@archon\/confluence-core$/, replacement: src("./packages/core/src/index.ts") },
  { find: /^@archon\/confluence-pg-store$/, replacement: src("./packages/pg-store/src/index.ts") },
  { find: /^@archon\/fake-confluence$/, replacement: src("./packages/fake-confluence/src/index.ts") },
  { find: /^@archon\/confluence-express$/, replacement: src("./packages/express-adapter/src/index.ts") },
  { find: /^@archon\/confluence-react$/, replacement: src("./packages/react-hooks/src/index.ts") },
  { find: /^@archon\/confluence-worker$/, replacement: src("./packages/worker/src/index.ts") },
  { find: /^@archon\/confluence-attachments$/, replacement: src("./packages/attachments/src/index.ts") },
  { find: /^@archon\/confluence-mcp$/, replacement: src("./packages/mcp-server/src/index.ts") },
];

export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    include: [
      "test/**/*.test.ts",
      "packages/*/src/**/*.test.ts",
      "packages/*/test/**/*.test.ts",
      "examples/*/test/**/*.test.ts",
      "examples/*/src/**/*.test.{ts,tsx}",
      "packages/*/src/**/*.test.tsx",
    ],
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    reporters: ["default", "./test/summary-reporter.ts"],
  },
});
