import { defineConfig, devices } from "@playwright/test";
import { existsSync } from "node:fs";

// Debian's Chromium when present (this machine and CI cannot download Playwright's build);
// Playwright's own browser otherwise, so the same config works on a laptop.
const SYSTEM_CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
const PORT = Number(process.env.E2E_PORT ?? 3210);

export default defineConfig({
  testDir: "e2e",
  // Its own folder: Playwright empties outputDir at start, and test-results/ also holds the Vitest reports.
  outputDir: "test-results/playwright-artifacts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  globalTeardown: "./e2e/global-teardown.ts",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["json", { outputFile: "test-results/playwright.json" }], ...(process.env.CI ? [] : [["html", { open: "never" }] as const])],
  use: {
    baseURL: `http://localhost:${PORT}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        viewport: { width: 1400, height: 1000 },
        launchOptions: SYSTEM_CHROMIUM
          ? {
              executablePath: SYSTEM_CHROMIUM,
              args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic"],
            }
          : {},
      },
    },
  ],
  webServer: {
    // Fresh database, fixture images, then `next start` on the production build.
    command: `node scripts/ensure-generated.mjs && tsx --conditions=react-server scripts/e2e-server.ts --port ${PORT}`,
    url: `http://localhost:${PORT}/api/health`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
  },
});
