import type { Page } from "@playwright/test";
import { createUser, expect, insertLabel, pairOutcome, signInNewContext, test } from "./fixtures";

function projectRow(page: Page, name: string) {
  return page.getByRole("row").filter({ has: page.getByRole("rowheader", { name, exact: true }) });
}

test("two annotators disagree; the reviewer takes the human re-caption by its number, edits it and settles the pair by keyboard", async ({
  asReviewer,
  seedPairs,
  db,
  browser,
  baseURL,
}) => {
  const project = await seedPairs({ pairs: 1, overlap: 2 });
  const pairId = project.pairIds[0]!;
  const tag = Date.now().toString(36);
  const accepter = await createUser(db, "annotator", `Ada ${tag}`);
  const recaptioner = await createUser(db, "annotator", `Rex ${tag}`);
  const recaption = "Paint the whole scene in warm evening light";

  // Two people, two browser sessions, the same pair: one accepts, the other re-captions.
  const one = await signInNewContext(browser, accepter, { baseURL, callbackUrl: `/annotate/${project.id}` });
  const two = await signInNewContext(browser, recaptioner, { baseURL, callbackUrl: `/annotate/${project.id}` });
  try {
    await expect(one.page.getByTestId("instruction")).toContainText("[#1]");
    await expect(one.page.getByText("Last pair")).toBeVisible();
    await one.page.keyboard.press("a");
    await expect(one.page.getByRole("heading", { name: "Nothing left for you in this project" })).toBeVisible();

    await expect(two.page.getByTestId("instruction")).toContainText("[#1]");
    await expect(two.page.getByText("Last pair")).toBeVisible();
    await two.page.keyboard.press("e");
    const box = two.page.getByRole("textbox", { name: /^Instruction that describes the edit/ });
    await expect(box).toBeFocused();
    await two.page.keyboard.press("Control+a");
    await two.page.keyboard.type(recaption);
    await two.page.keyboard.press("Control+Enter");
    await expect(two.page.getByRole("heading", { name: "Nothing left for you in this project" })).toBeVisible();
  } finally {
    await one.context.close();
    await two.context.close();
  }
  await expect.poll(async () => (await pairOutcome(db, pairId)).status).toBe("in_review");
  expect((await pairOutcome(db, pairId)).reviewReasons).toEqual(["decision"]);

  // The reviewer finds the project with one pair in review and opens its queue.
  const { page, user: reviewer } = asReviewer;
  await page.goto("/review");
  const row = projectRow(page, project.name);
  await expect(row.getByRole("cell").first()).toHaveText("1");
  await row.getByRole("link", { name: `Review ${project.name}`, exact: true }).click();
  await expect(page).toHaveURL(`/review/${project.id}`);
  const pair = page.getByRole("article", { name: "Pair in review" });
  await expect(pair).toHaveAttribute("data-pair-id", pairId);
  await expect(page.getByTestId("review-counts")).toHaveText(/^\s*1 in review\s*$/);
  await expect(pair.getByRole("listitem").filter({ hasText: "Annotators disagree on the decision (1 accept, 1 re-caption)" })).toBeVisible();

  // Every label, by name, with its decision; the human re-caption is a numbered candidate shown as a word diff.
  const labels = page.getByRole("region", { name: "Labels on this pair" }).getByRole("listitem");
  await expect(labels.filter({ hasText: `Ada ${tag}:` })).toContainText(`Ada ${tag}: Accept`);
  await expect(labels.filter({ hasText: `Rex ${tag}:` })).toContainText(`Rex ${tag}: Re-caption`);
  await expect(labels.filter({ hasText: `Rex ${tag}:` })).toContainText(recaption);
  const candidates = page.getByRole("list", { name: "Candidates for the final instruction" });
  await expect(candidates.getByRole("listitem")).toHaveCount(2);
  const useHuman = page.getByRole("button", { name: /^Use candidate \d \(re-caption by / });
  await expect(useHuman).toHaveAccessibleName(`Use candidate 2 (re-caption by Rex ${tag})`);
  const humanItem = candidates.getByRole("listitem").filter({ has: useHuman });
  await expect(humanItem.getByRole("insertion").first()).toBeVisible();
  await expect(humanItem.getByRole("deletion").first()).toBeVisible();
  await expect(page.getByText("Next pair ready")).toBeHidden();
  await expect(page.getByText("Last pair in this queue")).toBeVisible();

  // ? shows the shortcuts; the compare view's keys keep working (V cycles the view).
  await page.keyboard.press("?");
  const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(help).toContainText("Take candidate 1–9 into the final-instruction editor");
  await page.keyboard.press("Escape");
  await expect(help).toBeHidden();
  const modes = page.getByRole("radiogroup", { name: "Compare mode" });
  await page.keyboard.press("v");
  await expect(modes.getByRole("radio", { name: "Slider", exact: true })).toHaveAttribute("aria-checked", "true");

  // Its number takes it into the editor, focused; a small edit; Ctrl+Enter settles the pair.
  await page.keyboard.press("2");
  const editor = page.getByRole("textbox", { name: /^Final instruction/ });
  await expect(editor).toBeFocused();
  await expect(editor).toHaveValue(recaption);
  await page.keyboard.press("End");
  await page.keyboard.type(", softly");
  const final = `${recaption}, softly`;
  await expect(editor).toHaveValue(final);
  await expect(page.getByText("Submits as a re-caption.")).toBeVisible();
  await page.keyboard.press("Control+Enter");

  await expect(page.getByRole("heading", { name: "Nothing to review here" })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "Re-captioned. The pair is final." })).toBeVisible();
  await expect(page.getByTestId("review-counts")).toHaveText(/^\s*0 in review\s*$/);
  await expect.poll(async () => (await pairOutcome(db, pairId)).status).toBe("final");
  expect(await pairOutcome(db, pairId)).toMatchObject({
    finalDecision: "recaption",
    finalInstruction: final,
    finalSource: "review",
    reviewedBy: reviewer.id,
    isGold: false,
  });
  const audit = await db.query(`SELECT actor_id, data FROM audit_events WHERE action = 'review.adjudicate' AND subject_id = $1`, [pairId]);
  expect(audit.rows).toHaveLength(1);
  expect(audit.rows[0]).toMatchObject({ actor_id: reviewer.id, data: { decision: "recaption", instruction: final, routingReasons: ["decision"] } });

  await page.goto("/review");
  await expect(projectRow(page, project.name).getByRole("cell").first()).toHaveText("0");
});

test("the reviewer rejects with reasons, a note and promote-to-gold; the admin corrects the gold answer and retires it", async ({
  asReviewer,
  seedPairs,
  db,
  browser,
  baseURL,
}) => {
  const project = await seedPairs({ pairs: 1, overlap: 2 });
  const pairId = project.pairIds[0]!;
  // The verifier flags the pair as not valid and proposes a re-caption; both annotators accept.
  await db.query(
    `UPDATE pairs SET verifier_valid = false, verifier_failure_class = 'No Edit', verifier_recaption = 'Leave the scene unchanged' WHERE id = $1`,
    [pairId],
  );
  const [a, b] = [await createUser(db, "annotator"), await createUser(db, "annotator")];
  await insertLabel(db, { pairId, annotatorId: a.id, decision: "accept" });
  await insertLabel(db, { pairId, annotatorId: b.id, decision: "accept" });
  expect(await pairOutcome(db, pairId)).toMatchObject({ status: "in_review", reviewReasons: ["verifier"] });

  const { page, user: reviewer } = asReviewer;
  await page.goto("/review");
  await projectRow(page, project.name).getByRole("link", { name: `Review ${project.name}: 1 contradicts the verifier` }).click();
  await expect(page).toHaveURL(`/review/${project.id}?reason=verifier`);
  await expect(page.getByLabel("Routing reason")).toHaveValue("verifier");
  await expect(page.getByText("People contradict the verifier: verifier says not valid (valid flag, failure class No Edit); the majority accepted"))
    .toBeVisible();
  await expect(page.getByRole("button", { name: "Use candidate 2 (verifier re-caption)" })).toBeVisible();

  // N: a note (Enter hands the keys back); G: promote to gold; R: reasons 1 and 8; Enter submits.
  await page.keyboard.press("n");
  const note = page.getByRole("textbox", { name: "Note (optional)" });
  await expect(note).toBeFocused();
  await page.keyboard.type("Nothing changed between the two images.");
  await page.keyboard.press("Enter");
  await expect(note).not.toBeFocused();
  const promote = page.getByRole("checkbox", { name: "Promote to gold" });
  await page.keyboard.press("g");
  await expect(promote).toBeChecked();
  await page.keyboard.press("r");
  const rejectPanel = page.getByRole("group", { name: /^Reject reasons/ });
  await expect(rejectPanel).toBeVisible();
  await page.keyboard.press("1");
  await page.keyboard.press("8");
  await expect(rejectPanel.getByRole("checkbox", { name: "No visible edit" })).toBeChecked();
  await expect(rejectPanel.getByRole("checkbox", { name: "Artifacts or distortion" })).toBeChecked();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status").filter({ hasText: "Rejected and promoted to gold. The pair is final." })).toBeVisible();
  await expect.poll(async () => (await pairOutcome(db, pairId)).status).toBe("final");
  expect(await pairOutcome(db, pairId)).toMatchObject({
    finalDecision: "reject",
    finalReasons: ["no_visible_edit", "artifacts"],
    finalSource: "review",
    reviewedBy: reviewer.id,
    reviewNote: "Nothing changed between the two images.",
    isGold: true,
    goldActive: true,
    goldDecision: "reject",
    goldReasons: ["no_visible_edit", "artifacts"],
  });

  // A reviewer manages no gold: the admin page and its API refuse them.
  expect((await page.goto(`/admin/projects/${project.id}/gold`))?.status()).toBe(403);
  const refused = await page.request.patch(`/api/gold/${pairId}`, { data: { decision: "accept", reasons: [], instruction: null } });
  expect(refused.status()).toBe(403);

  const admin = await createUser(db, "admin");
  const { context, page: adminPage } = await signInNewContext(browser, admin, { baseURL, callbackUrl: `/admin/projects/${project.id}/gold` });
  try {
    await expect(adminPage.getByRole("link", { name: "Gold", exact: true })).toHaveAttribute("aria-current", "page");
    const row = adminPage.getByRole("row").filter({ has: adminPage.getByRole("rowheader", { name: /e2e-0/ }) });
    await expect(row).toContainText("Reject");
    await expect(row).toContainText("No visible edit (IF)");
    await expect(row).toContainText("No checks yet");
    await expect(row.getByRole("cell", { name: "Active", exact: true })).toBeVisible();

    // The edit dialog, by keyboard: the expected decision becomes accept.
    await row.getByRole("button", { name: "Edit gold pair e2e-0" }).focus();
    await adminPage.keyboard.press("Enter");
    const dialog = adminPage.getByRole("dialog", { name: "Gold answer for e2e-0" });
    await expect(dialog).toBeVisible();
    await dialog.getByRole("radio", { name: "Accept" }).check();
    await expect(dialog.getByRole("group", { name: /^Expected reasons/ })).toBeHidden();
    await dialog.getByRole("button", { name: "Save answer" }).click();
    await expect(dialog).toBeHidden();
    await expect(row.getByRole("status")).toHaveText("Saved.");
    await expect(row).not.toContainText("No visible edit");
    expect(await pairOutcome(db, pairId)).toMatchObject({ goldDecision: "accept", goldReasons: [], finalDecision: "reject" });

    await row.getByRole("button", { name: "Retire gold pair e2e-0" }).click();
    await expect(row.getByRole("cell", { name: "Retired", exact: true })).toBeVisible();
    await expect(row.getByRole("button", { name: "Reactivate gold pair e2e-0" })).toBeVisible();
    expect(await pairOutcome(db, pairId)).toMatchObject({ isGold: true, goldActive: false });
    const actions = await db.query(
      `SELECT action, actor_id FROM audit_events WHERE subject_id = $1 AND action LIKE 'gold.%' ORDER BY id`, [pairId]);
    expect(actions.rows).toEqual([
      { action: "gold.promote", actor_id: reviewer.id },
      { action: "gold.update", actor_id: admin.id },
      { action: "gold.retire", actor_id: admin.id },
    ]);
  } finally {
    await context.close();
  }
});

test("an annotator cannot reach the review queue: the pages answer 403 and so does the review API", async ({ asAnnotator, seedPairs, db }) => {
  const project = await seedPairs({ pairs: 1, overlap: 2 });
  const pairId = project.pairIds[0]!;
  const [a, b] = [await createUser(db, "annotator"), await createUser(db, "annotator")];
  await insertLabel(db, { pairId, annotatorId: a.id, decision: "accept" });
  await insertLabel(db, { pairId, annotatorId: b.id, decision: "reject", reasons: ["artifacts"] });
  expect((await pairOutcome(db, pairId)).status).toBe("in_review");
  const { page } = asAnnotator;

  // The header offers no Review link, and typing the address gets the 403 page.
  await page.goto("/");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Review" })).toHaveCount(0);
  for (const path of ["/review", `/review/${project.id}`]) {
    const res = await page.goto(path);
    expect(res?.status()).toBe(403);
    await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  }

  const next = await page.request.post(`/api/review/projects/${project.id}/next`, { data: {} });
  expect(next.status()).toBe(403);
  expect(await next.json()).toMatchObject({ error: { code: "forbidden" } });
  const counts = await page.request.get(`/api/review/projects/${project.id}`);
  expect(counts.status()).toBe(403);
  const settle = await page.request.post(`/api/review/pairs/${pairId}`, {
    data: { submissionId: crypto.randomUUID(), decision: "accept", reasons: [], promoteToGold: true },
  });
  expect(settle.status()).toBe(403);
  expect(await settle.json()).toMatchObject({ error: { code: "forbidden" } });
  expect((await page.request.post(`/api/review/pairs/${pairId}/release`, { data: {} })).status()).toBe(403);
  expect((await page.request.post(`/api/gold`, { data: { pairId } })).status()).toBe(403);

  // Nothing changed: still in review, unclaimed, no adjudication on record.
  expect(await pairOutcome(db, pairId)).toMatchObject({ status: "in_review", finalDecision: null, isGold: false });
  const claimed = await db.query(`SELECT review_claimed_by FROM pairs WHERE id = $1`, [pairId]);
  expect(claimed.rows).toEqual([{ review_claimed_by: null }]);
  const audit = await db.query(`SELECT 1 FROM audit_events WHERE subject_id = $1 AND action = 'review.adjudicate'`, [pairId]);
  expect(audit.rowCount).toBe(0);
});
