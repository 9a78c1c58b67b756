import type pg from "pg";
import { expect, test, type TestProject } from "./fixtures";

// Eight final pairs whose figures are worked out by hand (keep rule IF ≥ 3 ∧ EC ≥ 2 ∧ GQ ≥ 2):
//
//  #  final      valid  IF EC GQ  overall   flag  keep
//  1  accept     T      3  3  3   0.95      TP    TP
//  2  accept     T      3  2  2   0.9       TP    TP
//  3  accept     F      2  2  2   0.6       FN    FN
//  4  reject     T      3  3  3   0.7       FP    FP
//  5  reject     F      1  1  1   0.3       TN    TN
//  6  recaption  F      2  1  2   0.5       TN    TN
//  7  accept     –      3  3  3   0.8       –     TP
//  8  reject     T      2  2  1   0.2       FP    TN
//
// Valid flag: TP 2, FP 2, FN 1, TN 2, one accepted pair without a flag → precision 2/4 = 50.0%,
//   recall 2/3 = 66.7%, F1 4/7 = 0.571. Keep rule: TP 3, FP 1, FN 1, TN 3.
// Overall from the top: 0.95 a, 0.9 a, 0.8 a, 0.7 r, 0.6 a, … → ≥ 0.8 keeps 3 of 3 (recall 75%),
//   ≥ 0.7 3 of 4 (75%), ≥ 0.6 4 of 5 (80%, recall 100%). So 90% → ≥ 0.8; 80% → ≥ 0.6.
// IF: ≥ 3 keeps 1, 2, 4, 7 → 3 of 4 = 75%; ≥ 2 4 of 7; ≥ 1 4 of 8. 90% and 80%: none; 70% → ≥ 3.
const PAIRS: [string, boolean | null, number, number, number, number][] = [
  ["accept", true, 3, 3, 3, 0.95],
  ["accept", true, 3, 2, 2, 0.9],
  ["accept", false, 2, 2, 2, 0.6],
  ["reject", true, 3, 3, 3, 0.7],
  ["reject", false, 1, 1, 1, 0.3],
  ["recaption", false, 2, 1, 2, 0.5],
  ["accept", null, 3, 3, 3, 0.8],
  ["reject", true, 2, 2, 1, 0.2],
];

async function finalize(db: pg.Pool, project: TestProject) {
  for (const [i, [decision, valid, sIf, sEc, sGq, overall]] of PAIRS.entries()) {
    await db.query(
      `UPDATE pairs SET verifier_valid = $2,
                        verifier_scores = jsonb_build_object('instruction_following', $3::int, 'editing_consistency', $4::int,
                                                             'generation_quality', $5::int, 'overall', $6::float8),
                        status = 'final', final_decision = $7::"Decision", final_instruction = instruction,
                        final_source = 'consensus', finalized_at = now()
       WHERE id = $1`,
      [project.pairIds[i], valid, sIf, sEc, sGq, overall, decision],
    );
  }
}

test("an admin opens Calibration by keyboard, reads the confusion matrices and the threshold for a typed precision", async ({ asAdmin, db, seedPairs }) => {
  const { page } = asAdmin;
  const project = await seedPairs({ pairs: PAIRS.length });
  await finalize(db, project);

  await page.goto(`/admin/projects/${project.id}/quality`);
  const tab = page.getByRole("navigation", { name: `Project ${project.name}` }).getByRole("link", { name: "Calibration" });
  await tab.focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: `Verifier calibration in ${project.name}` })).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/admin/projects/${project.id}/calibration$`));
  await expect(page.getByRole("navigation", { name: `Project ${project.name}` }).getByRole("link", { name: "Calibration" })).toHaveAttribute("aria-current", "page");

  const row = (table: string, header: string) =>
    page.getByRole("table", { name: table }).getByRole("row").filter({ has: page.getByRole("rowheader", { name: header, exact: true }) }).getByRole("cell");
  await expect(row("Confusion matrix: Valid flag", "Verifier: valid")).toHaveText(["2", "2", "4"]);
  await expect(row("Confusion matrix: Valid flag", "Verifier: not valid")).toHaveText(["1", "2", "3"]);
  await expect(row("Confusion matrix: Valid flag", "No verdict")).toHaveText(["1", "0", "1"]);
  const flag = page.getByRole("region", { name: "Valid flag" });
  const stat = (term: string) => flag.locator("dl > div").filter({ has: page.getByRole("term").filter({ hasText: term }) }).getByRole("definition").first();
  await expect(stat("Precision")).toHaveText("50.0%");
  await expect(stat("Recall")).toHaveText("66.7%");
  await expect(stat("F1")).toHaveText("0.571");
  const keep = "Confusion matrix: Keep rule IF ≥ 3 ∧ EC ≥ 2 ∧ GQ ≥ 2";
  await expect(row(keep, "Verifier: keep")).toHaveText(["3", "1", "4"]);
  await expect(row(keep, "Verifier: drop")).toHaveText(["1", "3", "4"]);

  // The default target, 90%: the overall score reaches it at ≥ 0.8; IF never does.
  const thresholds = (percent: string) => `Lowest threshold with at least ${percent} precision`;
  await expect(row(thresholds("90%"), "Overall score (Overall)")).toHaveText(["Overall ≥ 0.8", "100.0%", "75.0%", "3", "8"]);
  await expect(row(thresholds("90%"), "Instruction following (IF)")).toHaveText([
    "No threshold reaches it; the most precise is IF ≥ 3 at 75.0%.",
    "8",
  ]);
  await expect(page.getByRole("table", { name: 'Precision and recall of "IF ≥ threshold" on Instruction following (IF)' }).getByRole("row")).toHaveCount(4);

  // Typing a precision answers without a full page load (the marker survives) and lands in the URL.
  await page.evaluate(() => ((window as unknown as { calibrationMarker: number }).calibrationMarker = 1));
  const target = page.getByLabel("Target precision (%)");
  await target.focus();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("80");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/precision=80/);
  await expect(row(thresholds("80%"), "Overall score (Overall)")).toHaveText(["Overall ≥ 0.6", "80.0%", "100.0%", "5", "8"]);
  await target.fill("70");
  await target.press("Enter");
  await expect(row(thresholds("70%"), "Instruction following (IF)")).toHaveText(["IF ≥ 3", "75.0%", "75.0%", "4", "8"]);
  expect(await page.evaluate(() => (window as unknown as { calibrationMarker?: number }).calibrationMarker)).toBe(1);

  await page.goto(`/admin/projects/${project.id}/calibration?precision=70`);
  await expect(row(thresholds("70%"), "Instruction following (IF)")).toHaveText(["IF ≥ 3", "75.0%", "75.0%", "4", "8"]);

  const json = await page.request.get(`/api/projects/${project.id}/calibration?precision=80`);
  expect(json.status()).toBe(200);
  const body = (await json.json()) as { flag: Record<string, number>; sweeps: { key: string; atTarget: { threshold: number } | null }[] };
  expect(body.flag).toEqual({ tp: 2, fp: 2, fn: 1, tn: 2, noVerdictAccepted: 1, noVerdictNotAccepted: 0 });
  expect(body.sweeps.find((s) => s.key === "overall")?.atTarget?.threshold).toBeCloseTo(0.6, 6);
});

test("the calibration page says when nothing is final yet", async ({ asAdmin, seedPairs }) => {
  const project = await seedPairs({ pairs: 2 });
  await asAdmin.page.goto(`/admin/projects/${project.id}/calibration`);
  await expect(asAdmin.page.getByRole("heading", { name: "Nothing is final yet" })).toBeVisible();
  await expect(asAdmin.page.getByRole("table", { name: "Confusion matrix: Valid flag" })).toHaveCount(0);
});

test("a reviewer is refused the calibration page and its JSON", async ({ asReviewer, seedPairs }) => {
  const project = await seedPairs({ pairs: 1 });
  const response = await asReviewer.page.goto(`/admin/projects/${project.id}/calibration`);
  expect(response?.status()).toBe(403);
  await expect(asReviewer.page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  await expect(asReviewer.page.getByRole("heading", { name: /Verifier calibration/ })).toHaveCount(0);
  const api = await asReviewer.page.request.get(`/api/projects/${project.id}/calibration`);
  expect(api.status()).toBe(403);
});

// Two verifier versions on the same eight final pairs (test/db/calibration.test.ts works the figures out by
// hand): declared scale Q 0-10 kept at ≥ 5, rule auto (the valid flag when given, else Q ≥ 5).
//   v1 TP 3 FP 2 FN 2 TN 1: precision 60.0% (Wilson 23.1–88.2%), recall 60.0%, F1 0.600 (0.273–0.857)
//   v2 TP 5 FP 1 FN 0 TN 2: precision 83.3% (43.6–97.0%), recall 100.0% (56.6–100.0%), F1 0.909 (0.608–0.985)
//   Target 80%: v1 none (best 5/7 = 71.4%), v2 Q ≥ 5 (5/6, recall 100%, 6 kept).
const VERSIONED: ["accept" | "reject", boolean | null, number, number][] = [
  ["accept", true, 8, 9], ["accept", null, 6, 7], ["reject", true, 7, 3], ["reject", false, 2, 6],
  ["accept", false, 4, 8], ["accept", null, 3, 5], ["reject", null, 9, 2], ["accept", true, 6, 6],
];

test("an admin computes the version comparison and reads two versions side by side at a typed precision", async ({ asAdmin, db, seedPairs }) => {
  const { page } = asAdmin;
  const project = await seedPairs({ pairs: VERSIONED.length });
  await db.query(`UPDATE projects SET verifier_scales = $2::jsonb WHERE id = $1`,
    [project.id, JSON.stringify([{ key: "q", label: "Quality (Q)", min: 0, max: 10, higherIsBetter: true, keep: 5 }])]);
  for (const [i, [decision, valid, q1, q2]] of VERSIONED.entries()) {
    const pairId = project.pairIds[i];
    await db.query(`INSERT INTO pair_verifier_outputs (pair_id, version, scores, valid) VALUES ($1, 'v1', $2::jsonb, $3), ($1, 'v2', $4::jsonb, NULL)`,
      [pairId, JSON.stringify({ q: q1 }), valid, JSON.stringify({ q: q2 })]);
    await db.query(
      `UPDATE pairs SET status = 'final', final_decision = $2::"Decision", final_instruction = instruction, final_source = 'consensus',
                        finalized_at = now() WHERE id = $1`, [pairId, decision]);
  }

  await page.goto(`/admin/projects/${project.id}/calibration?precision=80`);
  const section = page.getByRole("region", { name: "Verifier versions compared" });
  await expect(section.getByText("Not computed yet.", { exact: false })).toBeVisible();
  await section.getByRole("button", { name: "Compute the comparison" }).click();
  await expect(section.getByText(/Computed less than a minute ago over 8 final pairs/)).toBeVisible();

  const row = (table: string, header: string) =>
    section.getByRole("table", { name: table }).getByRole("row").filter({ has: page.getByRole("rowheader", { name: header, exact: true }) }).getByRole("cell");
  await expect(row("Versions by task and subtask", "Whole project · v1")).toHaveText(["8", "60.0%", "23.1%–88.2%", "60.0%", "23.1%–88.2%", "0.600", "0.273–0.857"]);
  await expect(row("Versions by task and subtask", "Whole project · v2")).toHaveText(["8", "83.3%", "43.6%–97.0%", "100.0%", "56.6%–100.0%", "0.909", "0.608–0.985"]);
  const thresholds = (percent: string) => `Lowest threshold per version with at least ${percent} precision`;
  await expect(row(thresholds("80%"), "Quality (Q) · v1")).toHaveText(["Not reached (best 71.4%)."]);
  await expect(row(thresholds("80%"), "Quality (Q) · v2")).toHaveText(["Q ≥ 5", "83.3%", "100.0%", "6"]);
  await expect(page.getByRole("figure", { name: /Quality \(Q\): precision against recall by version/ })).toBeVisible();

  // Typing a precision answers for each version.
  const target = page.getByLabel("Target precision (%)");
  await target.fill("70");
  await target.press("Enter");
  await expect(page).toHaveURL(/precision=70/);
  await expect(row(thresholds("70%"), "Quality (Q) · v1")).toHaveText(["Q ≥ 3", "71.4%", "100.0%", "7"]);
  await expect(row(thresholds("70%"), "Quality (Q) · v2")).toHaveText(["Q ≥ 3", "71.4%", "100.0%", "7"]);

  const json = await page.request.get(`/api/projects/${project.id}/calibration/versions?precision=80`);
  expect(json.status()).toBe(200);
  const body = (await json.json()) as { pairs: number; sweeps: { curves: { version: string; atTarget: { threshold: number } | null }[] }[] };
  expect(body.pairs).toBe(8);
  expect(body.sweeps[0]!.curves.map((c) => [c.version, c.atTarget?.threshold ?? null])).toEqual([["v1", null], ["v2", 5]]);
});
