import type { Page } from "@playwright/test";
import {
  createUser,
  expect,
  liveLeasedPairIds,
  projectLabels,
  signInNewContext,
  test,
  type StoredLabel,
} from "./fixtures";
import { DEFAULT_REJECT_REASONS } from "../lib/projects/reasons";

// The reject reasons in createProject()'s order: reason k is toggled by the k-th key of the number row.
const REASONS = DEFAULT_REJECT_REASONS.map((r) => [r.code, r.label] as const);

function reasonCode(key: number): string {
  return REASONS[key - 1]![0];
}

function workbench(page: Page) {
  const instruction = page.getByTestId("instruction");
  const progress = page.getByTestId("progress");
  const article = page.getByRole("article", { name: "Edit pair" });
  const accept = page.getByRole("button", { name: "Accept", exact: true });
  const rejectPanel = page.getByRole("group", { name: /^Reject reasons/ });
  const recaptionBox = page.getByRole("textbox", { name: /^Instruction that describes the edit/ });

  return {
    instruction,
    progress,
    article,
    rejectPanel,
    recaptionBox,
    pairId: () => article.getAttribute("data-pair-id"),
    /** The pair with suffix [#n] is on screen, idle (not saving) and its successor is prefetched. */
    async expectShowing(n: number) {
      await expect(instruction).toContainText(`[#${n}]`);
      await expect(accept).toBeEnabled();
      await expect(page.getByText("Next pair ready")).toBeVisible();
    },
    /** `pairsLeft` undefined: any figure (another annotator may be saving at the same moment). */
    async expectProgress(doneToday: number, pairsLeft?: number) {
      await expect(progress).toHaveText(
        new RegExp(`^\\s*${doneToday} done today · ${pairsLeft ?? "\\d+"} left for you · Set a daily goal\\s*$`),
      );
    },
    async accept() {
      await page.keyboard.press("a");
    },
    async reject(keys: number[], expectChecked: number[]) {
      await page.keyboard.press("r");
      await expect(rejectPanel).toBeVisible();
      for (const k of keys) await page.keyboard.press(["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "-", "="][k - 1]!);
      for (let k = 1; k <= REASONS.length; k++) {
        const box = rejectPanel.getByRole("checkbox", { name: REASONS[k - 1]![1] });
        if (expectChecked.includes(k)) await expect(box).toBeChecked();
        else await expect(box).not.toBeChecked();
      }
      await page.keyboard.press("Enter");
    },
    /** Opens the re-caption box (prefilled with the instruction), runs `edit` on it, Ctrl+Enter. */
    async recaption(edit: (original: string) => Promise<string>): Promise<string> {
      const original = (await instruction.innerText()).replace(/^Instruction:\s*/, "").trim();
      await page.keyboard.press("e");
      await expect(recaptionBox).toBeFocused();
      await expect(recaptionBox).toHaveValue(original);
      const expected = await edit(original);
      await expect(recaptionBox).toHaveValue(expected);
      await page.keyboard.press("Control+Enter");
      return expected;
    },
  };
}

test("an annotator labels 12 pairs by keyboard alone, with one undo, and the database holds exactly that", async ({
  asAnnotator,
  seedPairs,
  db,
}) => {
  const TOTAL = 15;
  const project = await seedPairs({ pairs: TOTAL });
  const { page, user } = asAnnotator;
  const pairId = (n: number) => project.pairIds[n - 1]!; // pair with suffix [#n]
  const wb = workbench(page);

  await page.goto("/");
  await page.getByRole("link", { name: `Annotate ${project.name}` }).click();
  await expect(page).toHaveURL(`/annotate/${project.id}`);
  await wb.expectShowing(1);
  await wb.expectProgress(0, TOTAL);
  expect(await wb.pairId()).toBe(pairId(1));

  const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await page.keyboard.press("?");
  await expect(help).toBeVisible();
  await expect(help).toContainText("Undo your last decision");
  await page.keyboard.press("Escape");
  await expect(help).toBeHidden();

  // V cycles the compare mode: side by side → slider → flicker → side by side.
  const modes = page.getByRole("radiogroup", { name: "Compare mode" });
  const mode = (name: string) => modes.getByRole("radio", { name, exact: true });
  await expect(mode("Side by side")).toHaveAttribute("aria-checked", "true");
  await expect(page.getByRole("group", { name: "Edited", exact: true })).toBeVisible();
  await page.keyboard.press("v");
  await expect(mode("Slider")).toHaveAttribute("aria-checked", "true");
  await expect(mode("Side by side")).toHaveAttribute("aria-checked", "false");
  await expect(page.getByRole("slider", { name: "Before/after divider" })).toBeVisible();
  await page.keyboard.press("v");
  await expect(mode("Flicker")).toHaveAttribute("aria-checked", "true");
  await expect(page.getByRole("group", { name: "Flicker", exact: true })).toBeVisible();
  await page.keyboard.press("v");
  await expect(mode("Side by side")).toHaveAttribute("aria-checked", "true");

  // Holding Space shows the source (badge + pressed toggle) only while held.
  const badge = page.getByText("showing SOURCE", { exact: true });
  const holdButton = page.getByRole("button", { name: "Hold to show source" });
  await expect(badge).toBeHidden();
  await page.keyboard.down("Space");
  await expect(badge).toBeVisible();
  await expect(holdButton).toHaveAttribute("aria-pressed", "true");
  await page.keyboard.up("Space");
  await expect(badge).toBeHidden();
  await expect(holdButton).toHaveAttribute("aria-pressed", "false");
  await wb.expectShowing(1);
  await wb.expectProgress(0, TOTAL);

  const expected = new Map<string, Omit<StoredLabel, "pairId" | "annotatorId">>();
  let done = 0;
  /** After a decision on the pair shown: the next pair is on screen and the counter moved on. */
  const decided = async (n: number, label: Omit<StoredLabel, "pairId" | "annotatorId">, nextShown = n + 1) => {
    expected.set(pairId(n), label);
    done += 1;
    await wb.expectShowing(nextShown);
    await wb.expectProgress(done, TOTAL - done);
  };

  await wb.accept();
  await decided(1, { decision: "accept", reasons: [], recaption: null });

  // 2: reject, one reason
  await wb.reject([1], [1]);
  await decided(2, { decision: "reject", reasons: [reasonCode(1)], recaption: null });

  // 3: re-caption, appending by keyboard (letters that are shortcuts elsewhere must just be typed)
  const recap3 = await wb.recaption(async (original) => {
    await page.keyboard.press("End");
    await page.keyboard.type(" and a vase appears; zero artifacts");
    return `${original} and a vase appears; zero artifacts`;
  });
  await decided(3, { decision: "recaption", reasons: [], recaption: recap3 });

  await wb.accept();
  await decided(4, { decision: "accept", reasons: [], recaption: null });

  // 5: reject, toggling a reason on and off again: 2, 5, 9, 9 → {2, 5}
  await wb.reject([2, 5, 9, 9], [2, 5]);
  await decided(5, { decision: "reject", reasons: [reasonCode(2), reasonCode(5)], recaption: null });

  // 6: accept, then undo (Z): pair 6 comes back and is rejected instead.
  await wb.accept();
  await wb.expectShowing(7);
  await wb.expectProgress(6, TOTAL - 6);
  await expect(page.getByRole("status").filter({ hasText: "Accepted. Press Z to undo." })).toBeVisible();
  await page.keyboard.press("z");
  await expect(page.getByRole("status").filter({ hasText: "Decision undone." })).toBeVisible();
  await expect(wb.instruction).toContainText("[#6]");
  expect(await wb.pairId()).toBe(pairId(6));
  await wb.expectProgress(5, TOTAL - 5);
  // The undone decision leaves the session's history; the five before it stay there.
  await expect(page.getByRole("button", { name: "Recent decisions (5)" })).toBeVisible();
  await wb.expectShowing(6);
  await wb.reject([3, 8], [3, 8]);
  // The pair that was on screen before the undo (7) comes back next.
  await decided(6, { decision: "reject", reasons: [reasonCode(3), reasonCode(8)], recaption: null });

  // 7: re-caption, replacing the whole text
  const recap7 = await wb.recaption(async () => {
    await page.keyboard.press("Control+a");
    await page.keyboard.type("Replace the red kite with a yellow balloon");
    return "Replace the red kite with a yellow balloon";
  });
  await decided(7, { decision: "recaption", reasons: [], recaption: recap7 });

  await wb.accept();
  await decided(8, { decision: "accept", reasons: [], recaption: null });

  // 9: reject, three reasons, one of them past key 9 ("0" = reason 10, text rendered wrong)
  await wb.reject([4, 6, 10], [4, 6, 10]);
  await decided(9, { decision: "reject", reasons: [reasonCode(4), reasonCode(6), reasonCode(10)], recaption: null });

  await wb.accept();
  await decided(10, { decision: "accept", reasons: [], recaption: null });

  // 11: re-caption, deleting the " [#11]" suffix with Backspace and typing a new ending
  const recap11 = await wb.recaption(async (original) => {
    for (let i = 0; i < " [#11]".length; i++) await page.keyboard.press("Backspace");
    await page.keyboard.type(", seen from above");
    return `${original.slice(0, -" [#11]".length)}, seen from above`;
  });
  await decided(11, { decision: "recaption", reasons: [], recaption: recap11 });

  await wb.accept();
  await decided(12, { decision: "accept", reasons: [], recaption: null });
  expect(done).toBe(12);

  // A reload keeps the count, and the pair leased but not yet decided comes back first.
  await page.reload();
  await wb.expectProgress(12, TOTAL - 12);
  await wb.expectShowing(13);

  const labels = await projectLabels(db, project.id);
  expect(labels).toHaveLength(12);
  expect(labels.every((l) => l.annotatorId === user.id)).toBe(true);
  const normalise = (l: Omit<StoredLabel, "pairId" | "annotatorId">) => ({
    decision: l.decision,
    reasons: [...l.reasons].sort(),
    recaption: l.recaption,
  });
  expect(labels.map((l) => ({ pairId: l.pairId, ...normalise(l) }))).toEqual(
    [...expected].map(([id, l]) => ({ pairId: id, ...normalise(l) })).sort((a, b) => Number(a.pairId) - Number(b.pairId)),
  );
  // Undone pair: one label, the second decision, and the undo is on record.
  expect(labels.filter((l) => l.pairId === pairId(6))).toEqual([
    { pairId: pairId(6), annotatorId: user.id, decision: "reject", reasons: [reasonCode(3), reasonCode(8)], recaption: null },
  ]);
  const undos = await db.query(
    `SELECT subject_id FROM audit_events WHERE action = 'label.undo' AND actor_id = $1`,
    [user.id],
  );
  expect(undos.rows).toEqual([{ subject_id: pairId(6) }]);
  // No pair beyond the 12 was decided; pairs 13 and 14 are still leased to this annotator, undecided.
  expect(await liveLeasedPairIds(db, project.id, user.id)).toEqual([pairId(13), pairId(14)]);
});

test("a second annotator never receives a pair leased to the first (overlap 1)", async ({
  asAnnotator,
  seedPairs,
  db,
  browser,
  baseURL,
}) => {
  const project = await seedPairs({ pairs: 10, overlap: 1 });
  const one = { page: asAnnotator.page, user: asAnnotator.user, wb: workbench(asAnnotator.page) };

  await one.page.goto(`/annotate/${project.id}`);
  await one.wb.expectShowing(1);
  // Annotator 1 holds two leases: the pair on screen and the prefetched next one.
  const oneLeases = await liveLeasedPairIds(db, project.id, one.user.id);
  expect(oneLeases).toHaveLength(2);
  expect(oneLeases).toContain(await one.wb.pairId());

  const user2 = await createUser(db, "annotator");
  const { context, page: page2 } = await signInNewContext(browser, user2, { baseURL });
  const two = { page: page2, user: user2, wb: workbench(page2) };
  try {
    await two.page.goto(`/annotate/${project.id}`);
    await expect(two.wb.article).toBeVisible();
    await expect(two.page.getByText("Next pair ready")).toBeVisible();
    const shownToTwo = await two.wb.pairId();
    expect(shownToTwo).toBeTruthy();
    expect(oneLeases).not.toContain(shownToTwo);
    const twoLeases = await liveLeasedPairIds(db, project.id, user2.id);
    expect(twoLeases).toHaveLength(2);
    expect(twoLeases).toContain(shownToTwo);
    expect(twoLeases.filter((id) => oneLeases.includes(id))).toEqual([]);

    // Both decide three pairs by keyboard, pressing at the same moment.
    const rounds: [(p: Page) => Promise<void>, (p: Page) => Promise<void>][] = [
      [(p) => p.keyboard.press("a"), (p) => p.keyboard.press("a")],
      [
        async (p) => {
          await p.keyboard.press("r");
          await p.keyboard.press("1");
          await p.keyboard.press("Enter");
        },
        (p) => p.keyboard.press("a"),
      ],
      [
        (p) => p.keyboard.press("a"),
        async (p) => {
          await p.keyboard.press("r");
          await p.keyboard.press("8");
          await p.keyboard.press("Enter");
        },
      ],
    ];
    for (const [i, [act1, act2]] of rounds.entries()) {
      const before = await Promise.all([one.wb.pairId(), two.wb.pairId()]);
      await Promise.all([act1(one.page), act2(two.page)]);
      for (const [who, prev] of [[one, before[0]], [two, before[1]]] as const) {
        await expect(who.wb.article).not.toHaveAttribute("data-pair-id", prev!);
        await expect(who.page.getByText("Next pair ready")).toBeVisible();
        await who.wb.expectProgress(i + 1);
      }
      expect(await one.wb.pairId()).not.toBe(await two.wb.pairId());
    }

    const labels = await projectLabels(db, project.id);
    expect(labels).toHaveLength(6);
    expect(labels.filter((l) => l.annotatorId === one.user.id)).toHaveLength(3);
    expect(labels.filter((l) => l.annotatorId === two.user.id)).toHaveLength(3);
    expect(new Set(labels.map((l) => l.pairId)).size).toBe(6);
    // Leases (kept after a decision, for undo) never overlapped: no pair was ever leased to both.
    const shared = await db.query(
      `SELECT pair_id FROM leases WHERE project_id = $1 GROUP BY pair_id HAVING count(DISTINCT annotator_id) > 1`,
      [project.id],
    );
    expect(shared.rows).toEqual([]);
    const leaseCount = await db.query<{ n: string }>(`SELECT count(*) AS n FROM leases WHERE project_id = $1`, [project.id]);
    expect(Number(leaseCount.rows[0]!.n)).toBe(10); // 3 decided + 2 held, for each annotator
    const overfull = await db.query(`SELECT id FROM pairs WHERE project_id = $1 AND label_count > 1`, [project.id]);
    expect(overfull.rows).toEqual([]);
  } finally {
    await context.close();
  }
});

test("a pair's extras: its reference image beside the compare view, its session's earlier turns opened by keyboard, its mask laid over by M", async ({
  asAnnotator,
  seedPairs,
  db,
}) => {
  const project = await seedPairs({ pairs: 2, overlap: 1 });
  const page = asAnnotator.page;
  await page.goto(`/annotate/${project.id}`);
  const article = page.getByRole("article", { name: "Edit pair" });
  await expect(page.getByRole("button", { name: "Accept", exact: true })).toBeEnabled();
  // The pair on screen gets the other pair's edited image as its reference and its mask, and becomes turn 2
  // of a session whose turn 1 is the other pair; a reload resumes its lease.
  const shown = (await article.getAttribute("data-pair-id"))!;
  const other = project.pairIds.find((id) => id !== shown)!;
  const { rows } = await db.query<{ edited_image: string; instruction: string }>(`SELECT edited_image, instruction FROM pairs WHERE id = $1`, [other]);
  const reference = rows[0]!.edited_image.trim();
  await db.query(`UPDATE pairs SET session_id = 'sess-7', turn = CASE WHEN id = $1 THEN 2 ELSE 1 END WHERE id IN ($1, $2)`, [shown, other]);
  await db.query(`UPDATE pairs SET reference_image = $2, mask_image = $2 WHERE id = $1`, [shown, reference]);
  await page.reload();

  const image = page.getByRole("img", { name: "Reference image for this edit" });
  await expect(image).toBeVisible();
  await expect.poll(() => image.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
  await expect(page.getByRole("link").filter({ has: image })).toHaveAttribute("href", `/api/images/${reference}`);

  const toggle = page.getByRole("button", { name: /Earlier turns/ });
  await expect(toggle).toHaveAttribute("aria-expanded", "false");
  await toggle.focus();
  await page.keyboard.press("Enter");
  await expect(toggle).toHaveAttribute("aria-expanded", "true");
  const turn1 = page.getByRole("region", { name: "Earlier turns of this session" }).getByRole("listitem", { name: "Turn 1" });
  await expect(turn1).toContainText(rows[0]!.instruction);
  const thumb = turn1.getByRole("img", { name: "Turn 1: edited" });
  await expect.poll(() => thumb.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
  await expect(page.getByRole("button", { name: "Accept", exact: true })).toBeEnabled();

  await toggle.blur();
  await page.keyboard.press("m");
  await expect(page.getByRole("button", { name: "Mask" })).toHaveAttribute("aria-pressed", "true");
  await expect(page.locator("svg[data-mask-overlay]").first()).toBeVisible();
});
