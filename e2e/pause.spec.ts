import { addGoldPairs, expect, setQualitySettings, test } from "./fixtures";

// A failing annotator is paused and sees why. Every gold pair expects a reject and the annotator accepts
// everything, so the second gold check (the project's minimum) pauses them. Gold comes at random (rate 0.5),
// so the loop runs until the pause, capped far beyond what two checks need (missing both is under 1e-9).
const MAX_PAIRS = 60;

test("an annotator who fails gold pairs is paused from the project and told why", async ({ asAnnotator, seedPairs, db }) => {
  const { page, user } = asAnnotator;
  const project = await seedPairs({ pairs: 40, overlap: 1 });
  await setQualitySettings(db, project.id, { goldRate: 0.5, goldMinCount: 2, goldAccuracyThreshold: 0.9 });
  const gold = await addGoldPairs(db, project, { count: 6, decision: "reject", reasons: ["artifacts"] });

  await page.goto(`/annotate/${project.id}`);
  const pausedPanel = page.getByRole("alert").filter({ has: page.getByRole("heading", { name: "You are paused from this project" }) });
  const article = page.getByRole("article", { name: "Edit pair" });
  const accept = page.getByRole("button", { name: "Accept", exact: true });

  // Idle: the last decision saved and the next pair claimed, so a pause it caused is already on screen.
  const idle = accept.and(page.locator(":enabled"));

  let decided = 0;
  for (; decided < MAX_PAIRS; decided++) {
    await expect(pausedPanel.or(idle)).toBeVisible();
    if (await pausedPanel.isVisible()) break;
    const before = await article.getAttribute("data-pair-id");
    await page.keyboard.press("a");
    // The next pair (already prefetched) replaces it at once, or the pause does once the answer lands.
    await expect(pausedPanel.or(article.and(page.locator(`:not([data-pair-id="${before}"])`)))).toBeVisible();
  }
  await expect(pausedPanel).toBeVisible();
  expect(decided).toBeLessThan(MAX_PAIRS);

  await expect(pausedPanel).toContainText("Your answers on quality-check pairs were right 0 of 2 times (0%), under this project's 90% minimum.");
  await expect(pausedPanel).toContainText("Ask an admin to lift the pause");
  await expect(accept).toHaveCount(0);
  await expect(article).toHaveCount(0);

  // The database holds the pause, made by the gold trigger with its audit row, after exactly two failed checks.
  const standing = await db.query<{ paused_at: Date | null; pause_reason: string }>(
    `SELECT paused_at, pause_reason FROM project_annotators WHERE project_id = $1 AND user_id = $2`, [project.id, user.id]);
  expect(standing.rows).toHaveLength(1);
  expect(standing.rows[0]!.paused_at).not.toBeNull();
  expect(standing.rows[0]!.pause_reason).toContain("right 0 of 2 times");
  const checks = await db.query<{ pair_id: string; gold_correct: boolean }>(
    `SELECT pair_id::text, gold_correct FROM labels WHERE project_id = $1 AND annotator_id = $2 AND gold_correct IS NOT NULL`,
    [project.id, user.id]);
  expect(checks.rows).toHaveLength(2);
  expect(checks.rows.every((r) => gold.includes(r.pair_id) && r.gold_correct === false)).toBe(true);
  const audit = await db.query(`SELECT 1 FROM audit_events WHERE action = 'annotator.paused' AND subject_id = $1`, [String(user.id)]);
  expect(audit.rowCount).toBe(1);

  // The keys do nothing any more, and a reload (a fresh claim, refused) shows the same panel.
  const labels = async () =>
    Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM labels WHERE annotator_id = $1`, [user.id])).rows[0]!.n);
  const before = await labels();
  await page.keyboard.press("a");
  await page.keyboard.press("s");
  await page.reload();
  await expect(pausedPanel).toBeVisible();
  await expect(pausedPanel).toContainText("right 0 of 2 times");
  await expect(accept).toHaveCount(0);
  expect(await labels()).toBe(before);
});

test("with gold mixed in, 'pairs left' does not move with each decision, so it cannot tell a gold pair", async ({ asAnnotator, seedPairs, db }) => {
  const { page } = asAnnotator;
  const project = await seedPairs({ pairs: 12, overlap: 1 });
  await setQualitySettings(db, project.id, { goldRate: 0.5, goldMinCount: 50, goldAccuracyThreshold: 0.5 });
  await addGoldPairs(db, project, { count: 6, decision: "accept" });
  await page.goto(`/annotate/${project.id}`);
  const progress = page.getByTestId("progress");
  // Twelve open regular pairs, shown coarse while gold is mixed in (rounded up to a multiple of ten).
  await expect(progress).toHaveText(/^\s*0 done today · 20 left for you · Set a daily goal\s*$/);
  const accept = page.getByRole("button", { name: "Accept", exact: true });
  // Eight decisions with six gold pairs in the project: at least two of them were regular pairs.
  for (let i = 1; i <= 8; i++) {
    await expect(accept).toBeEnabled();
    await expect(page.getByText("Next pair ready")).toBeVisible();
    await page.keyboard.press("a");
    // "Done today" counts every decision at once; the project count stays as first shown.
    await expect(progress).toHaveText(new RegExp(`^\\s*${i} done today · 20 left for you · Set a daily goal\\s*$`));
  }
  // The database did move on: regular pairs were decided (every answer is an accept, gold or not).
  const open = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pairs WHERE project_id = $1 AND status = 'open'`, [project.id]);
  expect(open.rows[0]!.n).toBeLessThanOrEqual(10);
});
