import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCalibration, type TCalibration } from "@/lib/calibration/queries";
import { getVersionComparison, refreshVersionSummary, stepVersionSummary } from "@/lib/calibration/versions";
import type { TVersionComparison } from "@/lib/calibration/versions-report";
import { binaryStats, thresholdForPrecision, type TSweepPoint } from "@/lib/calibration/math";
import { scopeLabel } from "@/lib/calibration/report";
import { DEFAULT_VERIFIER_SCALES } from "@/lib/quality/scales";
import { updateProjectSettings } from "@/test/support/settings";
import { engines, freshDatabase, type TestDatabase } from "../support/db";
import { makeProject } from "../support/fixtures";

// Every figure below is worked out by hand from this table (keep rule IF ≥ 3 ∧ EC ≥ 2 ∧ GQ ≥ 2).
// Human positive = final decision accept; reject and re-caption are "not valid as instructed".
//
//  #  task / subtask     final      valid  IF EC GQ  overall   keep rule
//  1  object/addition    accept     T      3  3  3   9.0       T  → TP
//  2  object/addition    accept     T      3  2  2   8.0       T  → TP
//  3  object/addition    accept     F      3  2  1   7.5       F  → FN
//  4  object/addition    reject     T      2  3  3   7.0       F  → TN
//  5  object/addition    recaption  F      1  1  1   2.0       F  → TN
//  6  object/removal     accept     T      3  3  2   6.5       T  → TP
//  7  object/removal     reject     F      3  1  3   6.5       F  → TN
//  8  object/removal     accept     –      2  2  2   5.0       F  → FN
//  9  object/removal     reject     T      3  3  3   8.5       T  → FP
// 10  style/anime        accept     T      –  –  –   –         –  (no verdict, accepted)
// 11  style/anime        accept     F      3  3  3   9.5       T  → TP
// 12  style/anime        reject     F      1  2  2   1.0       F  → TN
// 13  style/anime        recaption  –      –  1  1   3.0       –  (IF missing: no verdict, though EC fails)
// 14  style/anime        accept     T      3  2  3   4.0       T  → TP
// 15  style/anime        reject     T      3  2  2   –         T  → FP
// 16  (no task)          accept     –      3  3  3   7.0       T  → TP
// G1  object/addition    gold accept   F   1  1  1   1.5       (gold: left out by default)
// G2  style/anime        gold reject   T   3  3  3   9.9
// Also present and never counted: an open pair, a pair in review, another project's final pair.
//
// Valid flag, gold excluded: TP 1,2,6,10,14 = 5; FP 4,9,15 = 3; FN 3,11 = 2; TN 5,7,12 = 3;
//   no verdict: accepted 8,16 = 2, not accepted 13 = 1.
//   precision 5/8, recall 5/7, F1 2·5/(2·5+3+2) = 10/15, agreement 8/13.
// Keep rule: TP 1,2,6,11,14,16 = 6; FP 9,15 = 2; FN 3,8 = 2; TN 4,5,7,12 = 4; no verdict 10 (acc.), 13.
//   precision 6/8, recall 6/8, F1 12/16, agreement 10/14.

type TFixturePair = {
  task: string | null;
  subtask: string | null;
  decision: "accept" | "reject" | "recaption";
  valid: boolean | null;
  scores: [number | null, number | null, number | null];
  overall: number | null;
  gold?: boolean;
};

const A = ["object", "addition"] as const;
const R = ["object", "removal"] as const;
const S = ["style", "anime"] as const;
const pair = (
  [task, subtask]: readonly [string | null, string | null],
  decision: TFixturePair["decision"],
  valid: boolean | null,
  scores: TFixturePair["scores"],
  overall: number | null,
  gold = false,
): TFixturePair => ({ task, subtask, decision, valid, scores, overall, gold });

const FIXTURE: TFixturePair[] = [
  pair(A, "accept", true, [3, 3, 3], 9.0),
  pair(A, "accept", true, [3, 2, 2], 8.0),
  pair(A, "accept", false, [3, 2, 1], 7.5),
  pair(A, "reject", true, [2, 3, 3], 7.0),
  pair(A, "recaption", false, [1, 1, 1], 2.0),
  pair(R, "accept", true, [3, 3, 2], 6.5),
  pair(R, "reject", false, [3, 1, 3], 6.5),
  pair(R, "accept", null, [2, 2, 2], 5.0),
  pair(R, "reject", true, [3, 3, 3], 8.5),
  pair(S, "accept", true, [null, null, null], null),
  pair(S, "accept", false, [3, 3, 3], 9.5),
  pair(S, "reject", false, [1, 2, 2], 1.0),
  pair(S, "recaption", null, [null, 1, 1], 3.0),
  pair(S, "accept", true, [3, 2, 3], 4.0),
  pair(S, "reject", true, [3, 2, 2], null),
  pair([null, null], "accept", null, [3, 3, 3], 7.0),
  pair(A, "accept", false, [1, 1, 1], 1.5, true),
  pair(S, "reject", true, [3, 3, 3], 9.9, true),
];

const HASH = "0".repeat(64);

async function insertPairs(t: TestDatabase, projectId: number, pairs: TFixturePair[], status: "final" | "open" | "in_review" = "final") {
  for (const [i, p] of pairs.entries()) {
    const final = status === "final";
    await t.query(
      `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, task, subtask,
                          verifier_valid, verifier_scores,
                          is_gold, gold_active, gold_decision, status, final_decision, final_instruction, final_source, finalized_at)
       VALUES ($1, $2, $3, $3, 'make it so', $4, $5, $6, $7::jsonb, $8, $8, CASE WHEN $8 THEN $9::"Decision" END,
               $10::"PairStatus", CASE WHEN $11 THEN $9::"Decision" END, CASE WHEN $11 THEN 'make it so' END,
               CASE WHEN $8 THEN 'gold' WHEN $11 THEN 'consensus' END, CASE WHEN $11 THEN now() END)`,
      [projectId, `${status}-${i}`, HASH, p.task, p.subtask, p.valid, scoresJson(p), p.gold ?? false, p.decision, status, final],
    );
  }
}

// The ScaleEdit declaration's keys (the project's default).
const KEYS = { if: "instruction_following", ec: "editing_consistency", gq: "generation_quality", overall: "overall" } as const;
const sweep = (c: TCalibration, key: keyof typeof KEYS) => c.sweeps.find((s) => s.key === KEYS[key])!;

/** The pair's scores as the keyed object pairs.verifier_scores holds, missing scores left out (null: none at all). */
function scoresJson(p: TFixturePair): string | null {
  const entries = [[KEYS.if, p.scores[0]], [KEYS.ec, p.scores[1]], [KEYS.gq, p.scores[2]], [KEYS.overall, p.overall]]
    .filter(([, v]) => v !== null);
  return entries.length ? JSON.stringify(Object.fromEntries(entries)) : null;
}
const table = (points: TSweepPoint[]) => points.map((p) => [p.threshold, p.tp, p.fp]);

// Two verifier versions on the same pairs, every figure worked out by hand. One declared scale q, 0-10,
// kept at q ≥ 5; rule "auto": a version's verdict is its valid flag when it gives one, else q ≥ 5.
//
//  #   task / subtask    final    v1 valid q  verdict    v2 valid q  verdict
//  1   object/addition   accept       T    8  T  TP          –    9  T  TP
//  2   object/addition   accept       –    6  T  TP          –    7  T  TP
//  3   object/addition   reject       T    7  T  FP          –    3  F  TN
//  4   object/addition   reject       F    2  F  TN          –    6  T  FP
//  5   object/removal    accept       F    4  F  FN          –    8  T  TP
//  6   object/removal    accept       –    3  F  FN          –    5  T  TP
//  7   object/removal    reject       –    9  T  FP          –    2  F  TN
//  8   style/anime       accept       T    6  T  TP          –    6  T  TP
//  9   object/addition   accept       T    9  T  TP          (no v2 output: not compared with v2)
//  G   object/addition   gold reject  T    8  T  FP          –    1  F  TN   (gold: left out by default)
//  Also never counted: an open pair with both versions.
//
// Compared on pairs 1–8 (5 accepted):
//   v1 TP 3 (1,2,8), FP 2 (3,7), FN 2 (5,6), TN 1 (4): precision 3/5, recall 3/5, F1 6/10.
//   v2 TP 5, FP 1 (4), FN 0, TN 2 (3,7):               precision 5/6, recall 5/5, F1 10/11.
// v1 alone is on pairs 1–9: TP 4, FP 2, FN 2, TN 1.
// Curves of q, threshold: tp fp (keeping q ≥ threshold):
//   v1 2: 5 3 · 3: 5 2 · 4: 4 2 · 6: 3 2 · 7: 1 2 · 8: 1 1 · 9: 0 1
//   v2 2: 5 3 · 3: 5 2 · 5: 5 1 · 6: 4 1 · 7: 3 0 · 8: 2 0 · 9: 1 0
//   Target 80%: v1 none (best 5/7 at 3), v2 ≥ 5 (5/6). Target 70%: both ≥ 3 (5/7).
// object/removal: v1 TP 0 FP 1 FN 2 (precision 0, recall 0); v2 TP 2 TN 1 (precision 1, recall 1).
// Wilson 95% for 3/5: 0.2307–0.8824 (v1's precision); for 5/5: 0.5655–1 (v2's recall).

const VA = ["object", "addition"] as const;
const VR = ["object", "removal"] as const;
const VS = ["style", "anime"] as const;
type TRow = [readonly [string, string], "accept" | "reject", [boolean | null, number], [boolean | null, number] | null, boolean?];
const ROWS: TRow[] = [
  [VA, "accept", [true, 8], [null, 9]],
  [VA, "accept", [null, 6], [null, 7]],
  [VA, "reject", [true, 7], [null, 3]],
  [VA, "reject", [false, 2], [null, 6]],
  [VR, "accept", [false, 4], [null, 8]],
  [VR, "accept", [null, 3], [null, 5]],
  [VR, "reject", [null, 9], [null, 2]],
  [VS, "accept", [true, 6], [null, 6]],
  [VA, "accept", [true, 9], null],
  [VA, "reject", [true, 8], [null, 1], true],
];
const SCALES = [{ key: "q", label: "Quality", min: 0, max: 10, higherIsBetter: true, keep: 5 }];

async function insertVersionedPair(t: TestDatabase, projectId: number, id: string, row: TRow, final: boolean): Promise<void> {
  const [[task, subtask], decision, [valid, q], v2, gold = false] = row;
  const [p] = await t.query<{ id: string }>(
    `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, task, subtask, model_version,
                        verifier_valid, verifier_scores, is_gold, gold_active, gold_decision, status, final_decision,
                        final_instruction, final_source, finalized_at)
     VALUES ($1, $2, $3, $3, 'make it so', $4, $5, 'v1', $6, $7::jsonb, $8, $8, CASE WHEN $8 THEN $9::"Decision" END,
             $10::"PairStatus", CASE WHEN $11 THEN $9::"Decision" END, CASE WHEN $11 THEN 'make it so' END,
             CASE WHEN $8 THEN 'gold' WHEN $11 THEN 'consensus' END, CASE WHEN $11 THEN now() END)
     RETURNING id::text`,
    [projectId, id, HASH, task, subtask, valid, JSON.stringify({ q }), gold, decision, final ? "final" : "open", final],
  );
  if (v2) {
    await t.query(`INSERT INTO pair_verifier_outputs (pair_id, version, scores, valid) VALUES ($1, 'v2', $2::jsonb, $3)`,
      [p!.id, JSON.stringify({ q: v2[1] }), v2[0]]);
  }
}

const byVersionScope = (c: TVersionComparison) => Object.fromEntries(c.scopes.map((s) => [scopeLabel(s.scope), s]));
const versionStats = (c: TVersionComparison, scope: string, version: string) => byVersionScope(c)[scope]!.byVersion.find((v) => v.version === version)!;
const versionCurve = (c: TVersionComparison, version: string) => c.sweeps[0]!.curves.find((v) => v.version === version)!;
const round4 = (x: number | undefined) => Math.round((x ?? NaN) * 1e4) / 1e4;

describe.each(engines())("verifier calibration on $engine", ({ engine }) => {
  let t: TestDatabase;
  let projectId: number;

  beforeAll(async () => {
    t = await freshDatabase(engine);
    const project = await makeProject(t, { pairs: 0 });
    projectId = project.id;
    await insertPairs(t, projectId, FIXTURE);
    await insertPairs(t, projectId, [pair(A, "accept", true, [3, 3, 3], 9)], "open");
    await insertPairs(t, projectId, [pair(A, "accept", false, [1, 1, 1], 1)], "in_review");
    const other = await makeProject(t, { pairs: 0 });
    await insertPairs(t, other.id, [pair(A, "reject", true, [3, 3, 3], 9)]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("builds the valid flag's and the keep rule's confusion matrices against the consensus", async () => {
    const c = (await getCalibration(t, projectId, { includeGold: false }))!;
    expect(c.project).toMatchObject({ id: projectId, verifierRule: "auto", scales: DEFAULT_VERIFIER_SCALES, verifierVersion: null });
    expect(c.finalPairs).toBe(16);
    expect(c.accepted).toBe(9);
    expect(c.flag).toEqual({ tp: 5, fp: 3, fn: 2, tn: 3, noVerdictAccepted: 2, noVerdictNotAccepted: 1 });
    const flag = binaryStats(c.flag);
    expect(flag.precision).toBe(5 / 8);
    expect(flag.recall).toBe(5 / 7);
    expect(flag.f1).toBe(10 / 15);
    expect(flag.agreement).toBe(8 / 13);

    expect(c.keep).toEqual({ tp: 6, fp: 2, fn: 2, tn: 4, noVerdictAccepted: 1, noVerdictNotAccepted: 1 });
    expect(binaryStats(c.keep)).toMatchObject({ precision: 0.75, recall: 0.75, f1: 0.75, agreement: 10 / 14 });
  });

  it("breaks the figures down by task and subtask; pairs without a task count in the project only", async () => {
    const c = (await getCalibration(t, projectId, { includeGold: false }))!;
    const rows = Object.fromEntries(c.scopes.map((s) => [scopeLabel(s.scope), s]));
    expect(c.scopes.map((s) => scopeLabel(s.scope))).toEqual([
      "Whole project", "object", "object / addition", "object / removal", "style", "style / anime",
    ]);
    expect(rows["Whole project"]!.flag).toEqual(c.flag);
    expect(rows["Whole project"]!.finalPairs).toBe(16);
    // object = pairs 1–9: TP 1,2,6; FP 4,9; FN 3; TN 5,7; no verdict 8 (accepted).
    expect(rows["object"]!.flag).toEqual({ tp: 3, fp: 2, fn: 1, tn: 2, noVerdictAccepted: 1, noVerdictNotAccepted: 0 });
    expect(binaryStats(rows["object"]!.flag)).toMatchObject({ precision: 3 / 5, recall: 3 / 4, f1: 6 / 9 });
    expect(rows["object / addition"]!.flag).toEqual({ tp: 2, fp: 1, fn: 1, tn: 1, noVerdictAccepted: 0, noVerdictNotAccepted: 0 });
    expect(rows["object / removal"]!.flag).toEqual({ tp: 1, fp: 1, fn: 0, tn: 1, noVerdictAccepted: 1, noVerdictNotAccepted: 0 });
    expect(binaryStats(rows["object / removal"]!.flag)).toMatchObject({ precision: 1 / 2, recall: 1, f1: 2 / 3 });
    expect(rows["style / anime"]!.flag).toEqual({ tp: 2, fp: 1, fn: 1, tn: 1, noVerdictAccepted: 0, noVerdictNotAccepted: 1 });
    expect(rows["style"]!.flag).toEqual(rows["style / anime"]!.flag);
    // Keep rule: addition TP 1,2 FN 3 TN 4,5; removal TP 6 TN 7 FN 8 FP 9; anime TP 11,14 TN 12 FP 15, none 10, 13.
    expect(rows["object / addition"]!.keep).toEqual({ tp: 2, fp: 0, fn: 1, tn: 2, noVerdictAccepted: 0, noVerdictNotAccepted: 0 });
    expect(binaryStats(rows["object / addition"]!.keep)).toMatchObject({ precision: 1, recall: 2 / 3, agreement: 4 / 5 });
    expect(rows["object / removal"]!.keep).toEqual({ tp: 1, fp: 1, fn: 1, tn: 1, noVerdictAccepted: 0, noVerdictNotAccepted: 0 });
    expect(rows["style / anime"]!.keep).toEqual({ tp: 2, fp: 1, fn: 0, tn: 1, noVerdictAccepted: 1, noVerdictNotAccepted: 1 });
    expect(binaryStats(rows["style / anime"]!.keep)).toMatchObject({ precision: 2 / 3, recall: 1, agreement: 3 / 4 });
    expect(c.options).toEqual({ tasks: ["object", "style"], subtasks: ["addition", "anime", "removal"] });
  });

  it("sweeps each declared ScaleEdit score by hand-counted thresholds and finds the threshold for a precision", async () => {
    const c = (await getCalibration(t, projectId, { includeGold: false }))!;
    // IF over the 14 pairs that have it (8 accepted): =3 → 7 acc, 3 not; =2 → 1, 1; =1 → 0, 2.
    const ifs = sweep(c, "if");
    expect([ifs.scored, ifs.unscored]).toEqual([14, 2]);
    expect(table(ifs.points)).toEqual([[1, 8, 6], [2, 8, 4], [3, 7, 3]]);
    expect(ifs.points.map((p) => p.precision)).toEqual([8 / 14, 8 / 12, 7 / 10]);
    expect(ifs.points.map((p) => p.recall)).toEqual([1, 1, 7 / 8]);
    expect(ifs.points.map((p) => p.f1)).toEqual([16 / 22, 16 / 20, 14 / 18]);
    expect(thresholdForPrecision(ifs.points, 0.7)?.threshold).toBe(3); // met exactly
    expect(thresholdForPrecision(ifs.points, 0.75)).toBeNull();
    // EC over 15 pairs (8 accepted): =3 → 4, 2; =2 → 4, 2; =1 → 0, 3. ≥3 and ≥2 are equally precise: ≥2 keeps more.
    const ec = sweep(c, "ec");
    expect(table(ec.points)).toEqual([[1, 8, 7], [2, 8, 4], [3, 4, 2]]);
    expect(thresholdForPrecision(ec.points, 0.6)).toMatchObject({ threshold: 2, precision: 8 / 12, recall: 1 });
    // GQ over 15 pairs: =3 → 4, 3; =2 → 3, 2; =1 → 1, 2. Precision 0.571 at ≥3 but 0.583 at ≥2.
    const gq = sweep(c, "gq");
    expect(table(gq.points)).toEqual([[1, 8, 7], [2, 7, 5], [3, 4, 3]]);
    expect(thresholdForPrecision(gq.points, 0.58)).toMatchObject({ threshold: 2, recall: 7 / 8 });
  });

  it("sweeps the overall score at every distinct value", async () => {
    const c = (await getCalibration(t, projectId, { includeGold: false }))!;
    const o = sweep(c, "overall");
    expect([o.scored, o.unscored]).toEqual([14, 2]);
    // From the top: 9.5 acc, 9.0 acc, 8.5 not, 8.0 acc, 7.5 acc, 7.0 one each, 6.5 one each, 5.0 acc,
    // 4.0 acc, 3.0 not, 2.0 not, 1.0 not.
    expect(table(o.points)).toEqual([
      [1, 8, 6], [2, 8, 5], [3, 8, 4], [4, 8, 3], [5, 7, 3], [6.5, 6, 3], [7, 5, 2], [7.5, 4, 1], [8, 3, 1], [8.5, 2, 1], [9, 2, 0], [9.5, 1, 0],
    ]);
    expect(thresholdForPrecision(o.points, 0.8)).toMatchObject({ threshold: 7.5, precision: 0.8, recall: 0.5 });
    expect(thresholdForPrecision(o.points, 0.7)).toMatchObject({ threshold: 4, precision: 8 / 11, recall: 1 });
    expect(thresholdForPrecision(o.points, 0.95)).toMatchObject({ threshold: 9, precision: 1, recall: 0.25 });
  });

  it("narrows to a task and subtask", async () => {
    const c = (await getCalibration(t, projectId, { task: "object", subtask: "removal", includeGold: false }))!;
    expect(c.finalPairs).toBe(4);
    expect(c.flag).toEqual({ tp: 1, fp: 1, fn: 0, tn: 1, noVerdictAccepted: 1, noVerdictNotAccepted: 0 });
    expect(c.scopes.map((s) => scopeLabel(s.scope))).toEqual(["object / removal"]);
    // IF of pairs 6–9: =3 → 1 acc (6), 2 not (7, 9); =2 → 1 acc (8).
    expect(table(sweep(c, "if").points)).toEqual([[2, 2, 2], [3, 1, 2]]);
    // Overall: 8.5 not (9); 6.5 one each (6, 7); 5.0 acc (8).
    expect(table(sweep(c, "overall").points)).toEqual([[5, 2, 2], [6.5, 1, 2], [8.5, 0, 1]]);
    // The filter's choices still list the whole project.
    expect(c.options.tasks).toEqual(["object", "style"]);
    expect(c.options.subtasks).toEqual(["addition", "removal"]);

    const task = (await getCalibration(t, projectId, { task: "object", includeGold: false }))!;
    expect(task.finalPairs).toBe(9);
    expect(task.scopes.map((s) => scopeLabel(s.scope))).toEqual(["object", "object / addition", "object / removal"]);
    expect(task.keep).toEqual({ tp: 3, fp: 1, fn: 2, tn: 3, noVerdictAccepted: 0, noVerdictNotAccepted: 0 });
  });

  it("counts gold pairs only when asked", async () => {
    const c = (await getCalibration(t, projectId, { includeGold: true }))!;
    expect(c.finalPairs).toBe(18);
    // G1: accepted, flag F, keep F (1/1/1) → FN; G2: rejected, flag T, keep T → FP.
    expect(c.flag).toEqual({ tp: 5, fp: 4, fn: 3, tn: 3, noVerdictAccepted: 2, noVerdictNotAccepted: 1 });
    expect(c.keep).toEqual({ tp: 6, fp: 3, fn: 3, tn: 4, noVerdictAccepted: 1, noVerdictNotAccepted: 1 });
    // G2's 9.9 tops the overall sweep, rejected.
    expect(table(sweep(c, "overall").points).at(-1)).toEqual([9.9, 0, 1]);
  });

  it("follows the project's keep rule", async () => {
    // Through the settings, which recompute the stored verdicts (the margins) the report reads.
    const keep = (k: Record<string, number>) => DEFAULT_VERIFIER_SCALES.map((s) => (s.key in k ? { ...s, keep: k[s.key]! } : s));
    await updateProjectSettings(t, projectId, null, { verifierScales: keep({ [KEYS.if]: 2, [KEYS.ec]: 1, [KEYS.gq]: 1 }) });
    try {
      const c = (await getCalibration(t, projectId, { includeGold: false }))!;
      // IF ≥ 2 alone: kept 1,2,3,4,6,7,8,9,11,14,15,16 → TP 1,2,3,6,8,11,14,16 = 8; FP 4,7,9,15 = 4; TN 5,12.
      expect(c.keep).toEqual({ tp: 8, fp: 4, fn: 0, tn: 2, noVerdictAccepted: 1, noVerdictNotAccepted: 1 });
    } finally {
      await updateProjectSettings(t, projectId, null, { verifierScales: DEFAULT_VERIFIER_SCALES });
    }
  });

  it("bins real-valued scores by 3 significant digits, with the bin's lowest score as its threshold", async () => {
    const project = await makeProject(t, { pairs: 0 });
    // 0.1231 and 0.1234 share the bin 0.123; 1234 and 1236 fall in 1230 and 1240; 0 is its own bin.
    await insertPairs(t, project.id, [
      pair(A, "accept", null, [null, null, null], 0.1231),
      pair(A, "reject", null, [null, null, null], 0.1234),
      pair(A, "accept", null, [null, null, null], 1234),
      pair(A, "reject", null, [null, null, null], 1236),
      pair(A, "reject", null, [null, null, null], 0),
    ]);
    const c = (await getCalibration(t, project.id, { includeGold: false }))!;
    expect(table(sweep(c, "overall").points)).toEqual([[0, 2, 3], [0.1231, 2, 2], [1234, 1, 1], [1236, 0, 1]]);
    expect(c.flag).toEqual({ tp: 0, fp: 0, fn: 0, tn: 0, noVerdictAccepted: 2, noVerdictNotAccepted: 3 });
    expect(sweep(c, "if").points).toEqual([]);
  });

  it("answers an empty report for a project with nothing final, and null for no project", async () => {
    const project = await makeProject(t, { pairs: 3 });
    const c = (await getCalibration(t, project.id, { includeGold: false }))!;
    expect(c.finalPairs).toBe(0);
    expect(c.scopes).toEqual([]);
    expect(c.sweeps.every((s) => s.points.length === 0 && s.scored === 0)).toBe(true);
    expect(await getCalibration(t, 987_654, { includeGold: false })).toBeNull();
  });

  describe("verifier versions compared", () => {
    let projectId: number;

    beforeAll(async () => {
      const project = await makeProject(t, { pairs: 0 });
      projectId = project.id;
      await t.prisma.project.update({ where: { id: projectId }, data: { verifierScales: SCALES } });
      for (const [i, row] of ROWS.entries()) await insertVersionedPair(t, projectId, `p${i + 1}`, row, true);
      await insertVersionedPair(t, projectId, "open", [VA, "accept", [true, 9], [null, 9]], false);
    });
    it("shows nothing before the summary is computed, then compares the versions on the pairs both have", async () => {
      const before = (await getVersionComparison(t, projectId, { includeGold: false }))!;
      expect(before.summary).toEqual({ computedAt: null, ageSeconds: null, pairs: 0, ruleChanged: false, running: null });
      expect(before.versions).toEqual([]);

      // Steps of 3 final pairs: 10 final pairs (gold included) take 4 steps, the last publishing.
      expect(await refreshVersionSummary(t, projectId, { stepPairs: 3 })).toBe(4);
      const c = (await getVersionComparison(t, projectId, { includeGold: false }))!;
      expect(c.summary.computedAt).not.toBeNull();
      expect(c.summary.pairs).toBe(10);
      expect(c.versions).toEqual(["v1", "v2"]);
      expect(c.filter.versions).toEqual(["v1", "v2"]);
      expect([c.pairs, c.accepted]).toEqual([8, 5]);

      const v1 = versionStats(c, "Whole project", "v1");
      const v2 = versionStats(c, "Whole project", "v2");
      expect(v1.verdicts).toEqual({ tp: 3, fp: 2, fn: 2, tn: 1, noVerdictAccepted: 0, noVerdictNotAccepted: 0 });
      expect(v2.verdicts).toEqual({ tp: 5, fp: 1, fn: 0, tn: 2, noVerdictAccepted: 0, noVerdictNotAccepted: 0 });
      expect([v1.stats.precision, v1.stats.recall, v1.stats.f1]).toEqual([3 / 5, 3 / 5, 6 / 10]);
      expect([v2.stats.precision, v2.stats.recall, v2.stats.f1]).toEqual([5 / 6, 1, 10 / 11]);
      expect([round4(v1.stats.precisionCi?.low), round4(v1.stats.precisionCi?.high)]).toEqual([0.2307, 0.8824]);
      expect([round4(v2.stats.recallCi?.low), v2.stats.recallCi?.high]).toEqual([0.5655, 1]);
    });

    it("breaks the comparison down by task and subtask and answers a filter", async () => {
      const c = (await getVersionComparison(t, projectId, { includeGold: false }))!;
      expect(c.scopes.map((s) => [scopeLabel(s.scope), s.pairs])).toEqual([
        ["Whole project", 8], ["object", 7], ["object / addition", 4], ["object / removal", 3], ["style", 1], ["style / anime", 1],
      ]);
      expect(versionStats(c, "object / removal", "v1").verdicts).toMatchObject({ tp: 0, fp: 1, fn: 2, tn: 0 });
      expect(versionStats(c, "object / removal", "v2").verdicts).toMatchObject({ tp: 2, fp: 0, fn: 0, tn: 1 });
      expect([versionStats(c, "object / removal", "v1").stats.precision, versionStats(c, "object / removal", "v2").stats.recall]).toEqual([0, 1]);

      const removal = (await getVersionComparison(t, projectId, { includeGold: false, task: "object", subtask: "removal" }))!;
      expect([removal.pairs, removal.accepted]).toEqual([3, 2]);
      expect(removal.scopes.map((s) => scopeLabel(s.scope))).toEqual(["object / removal"]);
      // q of pairs 5–7: v2 8a 5a 2r → at ≥ 5 both accepted pairs and no reject.
      expect(versionCurve(removal, "v2").points.map((p) => [p.threshold, p.tp, p.fp])).toEqual([[2, 2, 1], [5, 2, 0], [8, 1, 0]]);

      // Gold included: pair G counts, a v1 FP and a v2 TN.
      const gold = (await getVersionComparison(t, projectId, { includeGold: true }))!;
      expect(gold.pairs).toBe(9);
      expect(versionStats(gold, "Whole project", "v1").verdicts).toMatchObject({ fp: 3 });
      expect(versionStats(gold, "Whole project", "v2").verdicts).toMatchObject({ tn: 3 });
    });

    it("overlays each version's precision–recall curve and finds the threshold for a typed precision", async () => {
      const c = (await getVersionComparison(t, projectId, { includeGold: false }))!;
      expect(c.sweeps.map((s) => s.key)).toEqual(["q"]);
      const table = (version: string) => versionCurve(c, version).points.map((p) => [p.threshold, p.tp, p.fp]);
      expect(table("v1")).toEqual([[2, 5, 3], [3, 5, 2], [4, 4, 2], [6, 3, 2], [7, 1, 2], [8, 1, 1], [9, 0, 1]]);
      expect(table("v2")).toEqual([[2, 5, 3], [3, 5, 2], [5, 5, 1], [6, 4, 1], [7, 3, 0], [8, 2, 0], [9, 1, 0]]);
      expect(thresholdForPrecision(versionCurve(c, "v1").points, 0.8)).toBeNull();
      expect(thresholdForPrecision(versionCurve(c, "v2").points, 0.8)?.threshold).toBe(5);
      expect(thresholdForPrecision(versionCurve(c, "v1").points, 0.7)?.threshold).toBe(3);
      expect(thresholdForPrecision(versionCurve(c, "v2").points, 0.7)?.threshold).toBe(3);
    });

    it("compares one version alone on every pair it has", async () => {
      const c = (await getVersionComparison(t, projectId, { includeGold: false, versions: ["v1", "unknown"] }))!;
      expect(c.filter.versions).toEqual(["v1"]);
      expect(c.pairs).toBe(9);
      expect(versionStats(c, "Whole project", "v1").verdicts).toMatchObject({ tp: 4, fp: 2, fn: 2, tn: 1 });
    });

    it("keeps showing the published summary, with its age, until a new run finishes; says when the keep rule changed", async () => {
      const computed = (await getVersionComparison(t, projectId, { includeGold: false }))!.summary.computedAt;
      // A pair finalised since is not in the summary until it is computed again.
      await insertVersionedPair(t, projectId, "late", [VS, "reject", [true, 9], [null, 9]], true);
      expect(await stepVersionSummary(t, projectId, { restart: true, stepPairs: 3 })).toMatchObject({ done: false });
      let c = (await getVersionComparison(t, projectId, { includeGold: false }))!;
      expect([c.pairs, c.summary.computedAt]).toEqual([8, computed]);
      expect(c.summary.running?.progress).toBeGreaterThan(0);
      expect(c.summary.running?.progress).toBeLessThan(1);

      await t.prisma.project.update({ where: { id: projectId }, data: { verifierScales: [{ ...SCALES[0]!, keep: 7 }] } });
      c = (await getVersionComparison(t, projectId, { includeGold: false }))!;
      expect(c.summary.ruleChanged).toBe(true);

      await refreshVersionSummary(t, projectId);
      c = (await getVersionComparison(t, projectId, { includeGold: false }))!;
      expect(c.summary).toMatchObject({ ruleChanged: false, running: null, pairs: 11 });
      expect(c.pairs).toBe(9);
      // Kept at q ≥ 7 now, v2: TP 1, 2, 5; FN 6 (q 5), 8 (q 6); TN 3, 4 (q 6), 7; the late reject (q 9) an FP.
      expect(versionStats(c, "Whole project", "v2").verdicts).toMatchObject({ tp: 3, fp: 1, fn: 2, tn: 3 });
      await t.prisma.project.update({ where: { id: projectId }, data: { verifierScales: SCALES } });
    });
  });
});
