import { defineConfig } from "vitest/config";
import path from "node:path";

const alias = {
  "@": path.resolve(import.meta.dirname),
  // `server-only` throws outside React's server build; tests are server-side by construction.
  "server-only": path.resolve(import.meta.dirname, "test/support/server-only.ts"),
};

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: { name: "unit", include: ["lib/**/*.test.ts", "components/**/*.test.ts", "scripts/**/*.test.ts"], environment: "node" },
      },
      {
        resolve: { alias },
        test: {
          name: "db",
          include: ["test/db/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Each file gets its own fresh database, so files can run side by side; two at a time keeps
          // the PostgreSQL server's connection count and a 2-core machine sane while one file waits on
          // its child processes or the server.
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
    ],
  },
});
