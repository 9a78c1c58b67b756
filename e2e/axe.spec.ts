import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { createUser, expect, signInNewContext, test } from "./fixtures";

// No serious or critical axe finding on any page (issue 16 point 6), in the light and the dark theme.
// Each role visits the pages it has; every page is also checked for its `main` landmark.

async function findings(page: Page, path: string): Promise<string[]> {
  const response = await page.goto(path);
  expect(response?.status(), path).toBeLessThan(400);
  await expect(page.getByRole("main"), `${path} has a main landmark`).toHaveCount(1);
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${path}: ${v.id} (${v.impact}) ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
}

test("every page passes axe with no serious or critical finding, light and dark", async ({ asAdmin, seedPairs, db, browser, baseURL }) => {
  test.setTimeout(180_000);
  const project = await seedPairs({ pairs: 4, overlap: 1 });
  const p = `/admin/projects/${project.id}`;
  const adminPages = ["/", "/admin", "/admin/users", "/admin/audit", "/admin/tokens", "/account", `${p}/quality`, `${p}/quality/agreement`,
    `${p}/calibration`, `${p}/gold`, `${p}/settings`, `${p}/import`, `${p}/export`, `${p}/webhooks`, `${p}/delete`, "/review",
    `/review/${project.id}`, `/annotate/${project.id}`];
  const found: string[] = [];
  for (const path of adminPages) found.push(...(await findings(asAdmin.page, path)));

  const annotator = await createUser(db, "annotator");
  const dark = await signInNewContext(browser, annotator, { baseURL });
  try {
    await dark.page.emulateMedia({ colorScheme: "dark" });
    for (const path of ["/", `/annotate/${project.id}`, "/account"]) found.push(...(await findings(dark.page, path)));
  } finally {
    await dark.context.close();
  }
  const signedOut = await browser.newContext({ baseURL });
  try {
    found.push(...(await findings(await signedOut.newPage(), "/signin")));
  } finally {
    await signedOut.close();
  }
  expect(found).toEqual([]);
});
