import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { createUser, expect, insertLabel, pairOutcome, signInNewContext, test } from "./fixtures";

// No serious or critical axe finding on any page (issue 16 point 6), in the light and the dark theme.
// Each role visits the pages it has; every page is also checked for its `main` landmark.

async function findings(page: Page, path: string): Promise<string[]> {
  const response = await page.goto(path);
  expect(response?.status(), path).toBeLessThan(400);
  await expect(page.getByRole("main"), `${path} has a main landmark`).toHaveCount(1);
  return seriousFindings(page, path);
}

async function seriousFindings(page: Page, label: string): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${label}: ${v.id} (${v.impact}) ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
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

test("the theme chosen on the account page applies at once, beats the system's setting, survives a reload, and the review page passes axe in both", async ({
  asAdmin,
  seedPairs,
  db,
}) => {
  // A pair in review, so the review page shows its whole workbench (labels, signals, candidates).
  const project = await seedPairs({ pairs: 1, overlap: 2 });
  const pairId = project.pairIds[0]!;
  await db.query(`UPDATE pairs SET verifier_valid = false, verifier_failure_class = 'Artifacts', verifier_recaption = 'Leave the scene as it was' WHERE id = $1`, [pairId]);
  const [a, b] = [await createUser(db, "annotator"), await createUser(db, "annotator")];
  await insertLabel(db, { pairId, annotatorId: a.id, decision: "recaption", recaption: "Make the tree on the left a little smaller" });
  await insertLabel(db, { pairId, annotatorId: b.id, decision: "reject", reasons: ["artifacts"] });
  await expect.poll(async () => (await pairOutcome(db, pairId)).status).toBe("in_review");

  const { page } = asAdmin;
  const html = page.locator("html");
  const themes = page.getByRole("radiogroup", { name: "Theme" });
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const DARK_PAGE = "rgb(10, 10, 10)";
  const reviewFindings = async (label: string) => {
    await page.goto(`/review/${project.id}`);
    await expect(page.getByRole("article", { name: "Pair in review" })).toHaveAttribute("data-pair-id", pairId);
    await expect(page.getByRole("region", { name: "Labels on this pair" })).toContainText("Artifacts or distortion");
    return seriousFindings(page, label);
  };
  const found: string[] = [];

  // The system is light; Dark, chosen by keyboard, applies at once.
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto("/account");
  await expect(themes.getByRole("radio", { name: "System" })).toBeChecked();
  await expect(html).not.toHaveAttribute("data-theme");
  const lightPage = await background();
  expect(lightPage).not.toBe(DARK_PAGE);
  await themes.getByRole("radio", { name: "System" }).focus();
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await expect(themes.getByRole("radio", { name: "Dark" })).toBeChecked();
  await expect(html).toHaveAttribute("data-theme", "dark");
  expect(await background()).toBe(DARK_PAGE);

  // It survives a reload, and the server renders it (no light first paint).
  await page.reload();
  await expect(themes.getByRole("radio", { name: "Dark" })).toBeChecked();
  expect(await background()).toBe(DARK_PAGE);
  expect(await (await page.request.get("/account")).text()).toContain('<html lang="en" data-theme="dark"');
  found.push(...(await reviewFindings("review page, Dark")));
  expect(await background()).toBe(DARK_PAGE);

  // The system turns dark; Light, chosen in this browser, still wins.
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto("/account");
  await themes.getByRole("radio", { name: "Dark" }).focus();
  await page.keyboard.press("ArrowUp");
  await expect(themes.getByRole("radio", { name: "Light" })).toBeChecked();
  await expect(html).toHaveAttribute("data-theme", "light");
  expect(await background()).toBe(lightPage);
  found.push(...(await reviewFindings("review page, Light with a dark system")));
  expect(await background()).toBe(lightPage);

  // System forgets the choice: the page follows the (dark) system again, after a reload too.
  await page.goto("/account");
  await themes.getByRole("radio", { name: "Light" }).focus();
  await page.keyboard.press("ArrowUp");
  await expect(themes.getByRole("radio", { name: "System" })).toBeChecked();
  await expect(html).not.toHaveAttribute("data-theme");
  expect(await background()).toBe(DARK_PAGE);
  await page.reload();
  await expect(html).not.toHaveAttribute("data-theme");
  expect(await background()).toBe(DARK_PAGE);

  expect(found).toEqual([]);
});
