import { expect, type Locator, type Page } from "@playwright/test";
import { createUser, insertLabel, pairOutcome, projectLabels, test } from "./fixtures";

// Issue 16 points 1 and 2: the workbenches fit a laptop screen (images and decision buttons inside the
// viewport, panels opening beside the images without moving them), and no decision is lost.

const VIEWPORTS = [
  { width: 1280, height: 720 },
  { width: 1440, height: 900 },
];

type TBox = { x: number; y: number; width: number; height: number };

async function box(locator: Locator): Promise<TBox> {
  const b = await locator.boundingBox();
  expect(b, "element has a box").not.toBeNull();
  return b!;
}

async function expectInViewport(page: Page, locators: Locator[]) {
  const vp = page.viewportSize()!;
  for (const l of locators) {
    const b = await box(l);
    expect(b.x, `${l} left`).toBeGreaterThanOrEqual(0);
    expect(b.y, `${l} top`).toBeGreaterThanOrEqual(0);
    expect(b.x + b.width, `${l} right`).toBeLessThanOrEqual(vp.width);
    expect(b.y + b.height, `${l} bottom`).toBeLessThanOrEqual(vp.height);
  }
  // Nothing below the fold: the page itself does not scroll.
  expect(await page.evaluate(() => document.documentElement.scrollHeight - window.innerHeight)).toBeLessThanOrEqual(0);
}

/** The scrolling ancestors that hide part of the element (none when it is shown whole). */
async function clippedBy(locator: Locator): Promise<string[]> {
  return locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const hidden: string[] = [];
    for (let a = el.parentElement; a; a = a.parentElement) {
      if (getComputedStyle(a).overflowY === "visible") continue;
      const c = a.getBoundingClientRect();
      if (r.top < c.top - 0.5 || r.bottom > c.bottom + 0.5) hidden.push(`${a.tagName.toLowerCase()}.${a.className}`);
    }
    return hidden;
  });
}

/** The scale an `object-contain` image is drawn at in its box: 1 is its natural size. */
async function drawnScale(img: Locator): Promise<number> {
  return img.evaluate((el: HTMLImageElement) => {
    const r = el.getBoundingClientRect();
    return Math.min(r.width / el.naturalWidth, r.height / el.naturalHeight);
  });
}

test("annotate and review fit 1280×720 and 1440×900, panels move no image, a failed save keeps the text, undo returns the named pair and takes back an adjudication", async ({
  asAdmin,
  seedPairs,
  db,
}) => {
  const project = await seedPairs({ pairs: 6 });
  // A change map on the first pair (any stored image serves), so the heatmap and its legend can open.
  await db.query(`UPDATE pairs SET heatmap_image = edited_image, change_fraction = 0.12, ssim = 0.9 WHERE id = $1`, [project.pairIds[0]]);
  const { page, user } = asAdmin;
  const source = page.getByRole("img", { name: "Source image" });
  const edited = page.getByRole("img", { name: "Edited image" });
  const buttons = ["Accept", "Reject", "Re-caption", "Skip", "Undo"].map((name) => page.getByRole("button", { name, exact: true }));
  const instruction = page.getByTestId("instruction");
  const images = async () => [await box(source), await box(edited)];

  await page.setViewportSize(VIEWPORTS[0]!);
  await page.goto(`/annotate/${project.id}`);
  await expect(instruction).toContainText("[#1]");
  await expect(page.getByText("Next pair ready")).toBeVisible();
  await expect.poll(() => source.evaluate((el: HTMLImageElement) => el.naturalWidth)).toBeGreaterThan(0);

  for (const vp of VIEWPORTS) {
    await page.setViewportSize(vp);
    await expectInViewport(page, [source, edited, ...buttons]);
    // The images have room for their natural size at both sizes, and get it.
    expect(await drawnScale(source)).toBeGreaterThanOrEqual(0.999);
    expect(await drawnScale(edited)).toBeGreaterThanOrEqual(0.999);

    const before = await images();
    await page.keyboard.press("r");
    await expect(page.getByRole("group", { name: /^Reject reasons/ })).toBeVisible();
    expect(await images()).toEqual(before);
    await expectInViewport(page, [page.getByRole("button", { name: "Submit reject" })]);
    await page.keyboard.press("Escape");
    await page.keyboard.press("e");
    await expect(page.getByRole("textbox", { name: /^Instruction that describes the edit/ })).toBeFocused();
    expect(await images()).toEqual(before);
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: "Guidelines" }).click();
    await expect(page.getByRole("region", { name: "Guidelines" })).toContainText("Accept good edits");
    expect(await images()).toEqual(before);
    await page.getByRole("button", { name: "Guidelines" }).click();

    // The heatmap's legend sits in the strip under the pane: the heatmap pane is as large as the flicker pane.
    await page.getByRole("radio", { name: "Flicker" }).click();
    const flicker = await box(page.getByRole("group", { name: "Flicker", exact: true }));
    await page.keyboard.press("d");
    await expect(page.getByRole("img", { name: /^Legend: unchanged pixels/ })).toBeVisible();
    expect(await box(page.getByRole("group", { name: "Change heatmap" }))).toEqual(flicker);
    await page.keyboard.press("d");
    await page.getByRole("radio", { name: "Side by side" }).click();
    expect(await images()).toEqual(before);
  }

  // Over the limit: the counter says so and the re-caption cannot be sent.
  const box1 = page.getByRole("textbox", { name: /^Instruction that describes the edit/ });
  await page.keyboard.press("e");
  await box1.fill("x".repeat(4001));
  await expect(page.getByText("4,001 / 4,000 characters — 1 too many")).toBeVisible();
  await expect(page.getByRole("button", { name: "Submit re-caption" })).toBeDisabled();

  // A save that fails once: the pair and the text stay, with the reason in words; the second try saves.
  const typed = "Add a red kite to the sky above the field";
  await box1.fill(typed);
  await page.route("**/api/labels", (route) =>
    route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ error: { message: "The server is busy. Try again in a moment." } }) }),
  { times: 1 });
  await page.keyboard.press("Control+Enter");
  await expect(page.getByRole("status").filter({ hasText: "Your decision was not saved: The server is busy." })).toBeVisible();
  await expect(instruction).toContainText("[#1]");
  await expect(box1).toHaveValue(typed);
  await page.getByRole("button", { name: "Submit re-caption" }).click();
  await expect(instruction).toContainText("[#2]");
  await expect(page.getByText("Next pair ready")).toBeVisible();

  // Two more decisions, then undo the oldest of the three from the history: exactly that pair comes back.
  await page.keyboard.press("a");
  await expect(instruction).toContainText("[#3]");
  await expect(page.getByText("Next pair ready")).toBeVisible();
  await page.keyboard.press("a");
  await expect(instruction).toContainText("[#4]");
  await page.getByRole("button", { name: "Recent decisions (3)" }).click();
  const history = page.getByRole("region", { name: "Recent decisions" });
  await expect(history.getByRole("listitem")).toHaveCount(3);
  await history.getByRole("button", { name: /^Undo Re-captioned: .*\[#1\]$/ }).click();
  await expect(page.getByRole("status").filter({ hasText: "Decision undone." })).toBeVisible();
  await expect(instruction).toContainText("[#1]");
  await expect(page.getByRole("article", { name: "Edit pair" })).toHaveAttribute("data-pair-id", project.pairIds[0]!);
  const labels = await projectLabels(db, project.id);
  expect(labels.filter((l) => l.annotatorId === user.id).map((l) => l.pairId).sort()).toEqual([project.pairIds[1]!, project.pairIds[2]!].sort());

  // The review workbench, by the same admin (admins review too): a pair three annotators disagree on, with
  // the verifier's full output, so the rail carries what a real adjudication shows.
  const inReview = await seedPairs({ pairs: 1, overlap: 3 });
  const pairId = inReview.pairIds[0]!;
  await db.query(
    `UPDATE pairs SET verifier_valid = false, verifier_failure_class = 'Artifacts', verifier_recaption = 'Add a small red kite to the sky',
       verifier_scores = '{"instruction_following": 2, "editing_consistency": 3, "generation_quality": 1, "overall": 4.5}'::jsonb WHERE id = $1`,
    [pairId],
  );
  const [a, b, k] = [await createUser(db, "annotator", "Ada fit"), await createUser(db, "annotator", "Rex fit"), await createUser(db, "annotator", "Kim fit")];
  await insertLabel(db, { pairId, annotatorId: a.id, decision: "accept" });
  await insertLabel(db, { pairId, annotatorId: b.id, decision: "reject", reasons: ["artifacts", "extra_change"] });
  await insertLabel(db, { pairId, annotatorId: k.id, decision: "recaption", recaption: "Add a red kite flying high above the field" });
  await expect.poll(async () => (await pairOutcome(db, pairId)).status).toBe("in_review");

  await page.setViewportSize(VIEWPORTS[0]!);
  await page.goto(`/review/${inReview.id}`);
  const labelsTable = page.getByRole("region", { name: "Labels on this pair" });
  const signals = page.getByRole("region", { name: "Verifier signals" });
  const reviewButtons = ["Accept", "Reject", "Edit instruction", "Skip", "Undo"].map((name) => page.getByRole("button", { name, exact: true }));
  await expect(page.getByRole("article", { name: "Pair in review" })).toHaveAttribute("data-pair-id", pairId);
  await expect(labelsTable.getByRole("listitem").filter({ hasText: "Rex fit:" })).toContainText("Rex fit: Reject");
  await expect(labelsTable.getByRole("list", { name: "Reasons given by Rex fit" })).toContainText("Artifacts or distortion (VQ)");
  await expect(labelsTable.getByRole("listitem").filter({ hasText: "Kim fit:" })).toContainText("Add a red kite flying high above the field");
  await expect(signals).toContainText("Generation quality (GQ): 1 (scale 1–3)");
  await expect.poll(() => edited.evaluate((el: HTMLImageElement) => el.naturalWidth)).toBeGreaterThan(0);
  await expect.poll(() => source.evaluate((el: HTMLImageElement) => el.naturalWidth)).toBeGreaterThan(0);

  for (const vp of VIEWPORTS) {
    await page.setViewportSize(vp);
    await expectInViewport(page, [source, edited, labelsTable, signals, ...reviewButtons]);
    // Both images at least at their natural size: the rail gives way to them at 1280 px.
    expect(await drawnScale(source), `source at ${vp.width}`).toBeGreaterThanOrEqual(0.999);
    expect(await drawnScale(edited), `edited at ${vp.width}`).toBeGreaterThanOrEqual(0.999);
    // Beside the images, not under them, and whole: not cut off by the rail, which scrolls on its own.
    const right = (await box(edited)).x + (await box(edited)).width;
    for (const l of [labelsTable, signals]) {
      expect((await box(l)).x, `${l} beside the images`).toBeGreaterThanOrEqual(right);
      expect(await clippedBy(l), `${l} shown whole`).toEqual([]);
    }

    // Every panel opens over the rail: no image moves.
    const shown = await images();
    await page.keyboard.press("r");
    await expect(page.getByRole("group", { name: /^Reject reasons/ })).toBeVisible();
    expect(await images()).toEqual(shown);
    await expectInViewport(page, [page.getByRole("button", { name: "Submit reject" })]);
    await page.keyboard.press("Escape");
    await expect(page.getByRole("group", { name: /^Reject reasons/ })).toBeHidden();
    await page.keyboard.press("e");
    await expect(page.getByRole("textbox", { name: /^Final instruction/ })).toBeFocused();
    expect(await images()).toEqual(shown);
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: "Guidelines" }).click();
    await expect(page.getByRole("region", { name: "Guidelines" })).toContainText("Accept good edits");
    expect(await images()).toEqual(shown);
    await page.getByRole("button", { name: "Guidelines" }).click();
    await page.keyboard.press("?");
    await expect(page.getByRole("dialog", { name: /shortcuts/i })).toBeVisible();
    expect(await images()).toEqual(shown);
    await page.keyboard.press("Escape");
    await expect(page.getByRole("dialog", { name: /shortcuts/i })).toBeHidden();
    await expect(labelsTable).toBeVisible();
  }

  await page.keyboard.press("a");
  await expect(page.getByRole("heading", { name: "Nothing to review here" })).toBeVisible();
  await expect.poll(async () => (await pairOutcome(db, pairId)).status).toBe("final");
  await page.keyboard.press("z");
  await expect(page.getByRole("status").filter({ hasText: "Adjudication undone" })).toBeVisible();
  await expect(page.getByRole("article", { name: "Pair in review" })).toHaveAttribute("data-pair-id", pairId);
  expect(await pairOutcome(db, pairId)).toMatchObject({ status: "in_review", finalDecision: null, reviewedBy: null });
  const audit = await db.query(`SELECT action FROM audit_events WHERE subject_type = 'pair' AND subject_id = $1 ORDER BY id`, [pairId]);
  expect(audit.rows.map((r: { action: string }) => r.action)).toEqual(["review.adjudicate", "review.undo"]);
});
