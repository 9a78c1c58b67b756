import { createUser, expect, seedPause, signInNewContext, test } from "./fixtures";

// The admin's quality pages: project settings saved from the keyboard and audited, a paused
// annotator lifted from the quality page, and the same pages and API refused to a reviewer.

test("an admin changes the gold rate and threshold by keyboard; the audit log filtered by action shows the change", async ({ asAdmin, seedPairs, db }) => {
  const { page } = asAdmin;
  const project = await seedPairs({ pairs: 2 });
  await page.goto(`/admin/projects/${project.id}/settings`);
  await expect(page.getByRole("heading", { name: `Settings for ${project.name}` })).toBeVisible();
  await expect(page.getByRole("navigation", { name: `Project ${project.name}` }).getByRole("link", { name: "Settings" })).toHaveAttribute("aria-current", "page");

  const goldRate = page.getByLabel("Gold rate (%)");
  const threshold = page.getByLabel("Gold accuracy threshold (%)");
  await expect(goldRate).toHaveValue("0");
  await expect(threshold).toHaveValue("70");
  await expect(goldRate).toHaveAccessibleDescription(/Share of the pairs served that are gold/);

  await goldRate.focus();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("12.5");
  await page.keyboard.press("Tab");
  await expect(threshold).toBeFocused();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("80");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status").filter({ hasText: "Saved" })).toHaveText("Saved: gold rate, gold accuracy threshold.");

  const stored = await db.query<{ gold_rate: number; gold_accuracy_threshold: number }>(
    `SELECT gold_rate, gold_accuracy_threshold FROM projects WHERE id = $1`,
    [project.id],
  );
  expect(stored.rows[0]!.gold_rate).toBeCloseTo(0.125, 6);
  expect(stored.rows[0]!.gold_accuracy_threshold).toBeCloseTo(0.8, 6);
  await page.reload();
  await expect(page.getByLabel("Gold rate (%)")).toHaveValue("12.5");
  await expect(page.getByLabel("Gold accuracy threshold (%)")).toHaveValue("80");

  // An out-of-range value is refused by the server with a sentence, and the field is marked.
  await page.getByLabel("Gold rate (%)").focus();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("75");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status").filter({ hasText: "Not saved" })).toHaveText("Not saved. Gold rate must be between 0 and 0.5 (0–50%).");
  await expect(page.getByLabel("Gold rate (%)")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Gold rate (%)")).toBeFocused();

  await page.goto("/admin/audit");
  await page.getByLabel("Action").selectOption("project.updated");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/action=project\.updated/);
  const row = page.getByRole("row").filter({ hasText: `project ${project.name} (#${project.id})` });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Settings changed: gold rate 0% → 12.5%; gold accuracy threshold 70% → 80%");
  const adminName = (await db.query<{ name: string }>(`SELECT name FROM users WHERE id = $1`, [asAdmin.user.id])).rows[0]!.name;
  await expect(row.getByRole("cell").nth(1)).toHaveText(adminName);
  const actions = await page.getByRole("table").getByRole("row").locator("td:nth-child(3)").allInnerTexts();
  expect(actions.length).toBeGreaterThan(0);
  expect(new Set(actions)).toEqual(new Set(["project.updated"]));
  await row.getByText(/^Data of event/).focus();
  await page.keyboard.press("Enter");
  await expect(row.locator("pre")).toContainText('"goldRate"');
});

test("a paused annotator shows on the quality page; the admin lifts the pause and the annotator can claim a pair", async ({
  asAdmin,
  seedPairs,
  db,
  browser,
  baseURL,
}) => {
  const { page } = asAdmin;
  const project = await seedPairs({ pairs: 3 });
  const name = `Paused Person ${Date.now().toString(36)}`;
  const annotator = await createUser(db, "annotator", name);
  const reason = "Your answers on quality-check pairs were right 2 of 10 times (20%), under this project's 70% minimum.";
  await seedPause(db, project.id, annotator.id, reason);
  const { context, page: annotatorPage } = await signInNewContext(browser, annotator, { baseURL });
  try {
    await annotatorPage.goto(`/annotate/${project.id}`);
    const pausedPanel = annotatorPage.getByRole("alert").filter({ has: annotatorPage.getByRole("heading", { name: "You are paused from this project" }) });
    await expect(pausedPanel).toContainText(reason);

    await page.goto(`/admin/projects/${project.id}/quality`);
    await expect(page.getByRole("heading", { name: `Quality of ${project.name}` })).toBeVisible();
    const banner = page.getByRole("region", { name: "1 annotator is paused from this project" });
    await expect(banner).toContainText(name);
    await expect(banner).toContainText(reason);
    await expect(page.getByRole("figure", { name: /Pairs by status/ })).toContainText("3 pairs: 3 open, 0 in review, 0 final");
    await expect(page.getByRole("figure", { name: /Throughput, last 30 days/ })).toBeVisible();
    await expect(page.getByRole("table", { name: /Annotator standings/ }).getByRole("row", { name: new RegExp(annotator.email) })).toContainText("Paused");

    const lift = banner.getByRole("button", { name: `Lift pause for ${name}` });
    await lift.focus();
    await page.keyboard.press("Enter");
    const confirm = page.getByRole("button", { name: `Yes, lift the pause for ${name}` });
    await expect(confirm).toBeFocused();
    await page.keyboard.press("Escape");
    await expect(lift).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(confirm).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page.getByRole("status").filter({ hasText: "Pause lifted" })).toHaveText(
      `Pause lifted for ${name}. They can claim pairs again; gold accuracy starts afresh.`,
    );
    await expect(banner).toHaveCount(0);

    const row = await db.query<{ paused_at: Date | null; lifted_by: number | null }>(
      `SELECT paused_at, lifted_by FROM project_annotators WHERE project_id = $1 AND user_id = $2`,
      [project.id, annotator.id],
    );
    expect(row.rows[0]).toMatchObject({ paused_at: null, lifted_by: asAdmin.user.id });
    const audit = await db.query(`SELECT actor_id FROM audit_events WHERE action = 'annotator.unpaused' AND subject_id = $1`, [String(annotator.id)]);
    expect(audit.rows).toEqual([{ actor_id: asAdmin.user.id }]);

    await annotatorPage.reload();
    await expect(annotatorPage.getByTestId("instruction")).toContainText("[#1]");
    await expect(annotatorPage.getByRole("button", { name: "Accept", exact: true })).toBeEnabled();
    const leases = await db.query(`SELECT pair_id FROM leases WHERE annotator_id = $1 AND project_id = $2`, [annotator.id, project.id]);
    expect(leases.rowCount).toBeGreaterThan(0);
  } finally {
    await context.close();
  }
});

test("an admin declares a dataset's verifier score columns by keyboard and raises a threshold; the verdicts follow", async ({ asAdmin, seedPairs, db }) => {
  const { page } = asAdmin;
  const project = await seedPairs({ pairs: 2 });
  await page.goto(`/admin/projects/${project.id}/settings`);
  await expect(page.getByLabel("Key of Instruction following (IF)")).toHaveValue("instruction_following");

  await page.getByLabel("Columns of a dataset").selectOption("omniedit");
  await page.getByRole("button", { name: "Use these columns" }).press("Enter");
  const keep = page.getByLabel("Keep threshold of Perceptual quality (empty: not in the keep rule)");
  await keep.focus();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("7");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status").filter({ hasText: "Saved" })).toContainText("Saved: verifier score columns.");

  const stored = await db.query<{ verifier_scales: { key: string; keep: number | null }[] }>(`SELECT verifier_scales FROM projects WHERE id = $1`, [project.id]);
  expect(stored.rows[0]!.verifier_scales.map((c) => [c.key, c.keep])).toEqual([["sc_score_1", 6], ["sc_score_2", 6], ["pq_score", 7], ["o_score", null]]);

  // A threshold outside its scale is refused with a sentence naming the column.
  await keep.focus();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("11");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status").filter({ hasText: "Not saved" })).toHaveText("Not saved. Perceptual quality: the keep threshold must be between 0 and 10.");
});

test("a reviewer is refused the settings, quality and audit pages and the settings API, and nothing changes", async ({ asReviewer, seedPairs, db }) => {
  const { page } = asReviewer;
  const project = await seedPairs({ pairs: 1 });
  for (const path of [`/admin/projects/${project.id}/settings`, `/admin/projects/${project.id}/quality`, "/admin/audit"]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(403);
    await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
    await expect(page.getByRole("button", { name: /Save settings|Apply filters|Lift pause/ })).toHaveCount(0);
  }
  const patch = await page.request.patch(`/api/projects/${project.id}/settings`, { data: { goldRate: 0.4, overlap: 3 } });
  expect(patch.status()).toBe(403);
  expect(await patch.json()).toMatchObject({ error: { code: "forbidden" } });
  const lift = await page.request.delete(`/api/projects/${project.id}/annotators/${asReviewer.user.id}/pause`);
  expect(lift.status()).toBe(403);
  const pause = await page.request.post(`/api/projects/${project.id}/annotators/${asReviewer.user.id}/pause`, { data: { reason: "Trying." } });
  expect(pause.status()).toBe(403);

  const stored = await db.query(`SELECT gold_rate, overlap FROM projects WHERE id = $1`, [project.id]);
  expect(stored.rows[0]).toEqual({ gold_rate: 0, overlap: 1 });
  const audit = await db.query(`SELECT 1 FROM audit_events WHERE action LIKE 'project.%' AND subject_id = $1`, [String(project.id)]);
  expect(audit.rowCount).toBe(0);
  const pauses = await db.query(`SELECT 1 FROM project_annotators WHERE project_id = $1`, [project.id]);
  expect(pauses.rowCount).toBe(0);
});
