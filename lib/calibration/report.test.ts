import { describe, expect, it } from "vitest";
import { buildCalibrationReport, hasVerifierSignals, scopeLabel, type TScopeGroup } from "./report";

const group = (task: string | null, subtask: string | null, valid: boolean | null, keep: boolean | null, accepted: boolean, n: number): TScopeGroup => ({
  task, subtask, valid, keep, accepted, n,
});

const columns = [
  { key: "ec", label: "Editing consistency (EC)", short: "EC", higherIsBetter: true },
  { key: "overall", label: "Overall", short: "overall", higherIsBetter: true },
  { key: "lpips", label: "LPIPS", short: "lpips", higherIsBetter: false },
];

// The database groups are checked against a hand-computed fixture in test/db/calibration.test.ts;
// these cover the roll-up's edges without a database.
describe("buildCalibrationReport", () => {
  const scopes = [
    group("object", "color", true, true, true, 4),
    group("style", "color", false, null, true, 2),
    group("style", "anime", true, false, false, 3),
    group(null, null, null, null, false, 5),
  ];

  it("with a subtask but no task, takes that subtask in every task", () => {
    const r = buildCalibrationReport({ filter: { subtask: "color", includeGold: false }, scopes, columns, bins: [] });
    expect(r.finalPairs).toBe(6);
    expect(r.accepted).toBe(6);
    expect(r.flag).toMatchObject({ tp: 4, fn: 2 });
    expect(r.keep).toMatchObject({ tp: 4, noVerdictAccepted: 2 });
    expect(r.scopes.map((s) => scopeLabel(s.scope))).toEqual(["object / color", "style / color"]);
    expect(r.options).toEqual({ tasks: ["object", "style"], subtasks: ["anime", "color"] });
  });

  it("without a filter, counts pairs without a task in the project only", () => {
    const r = buildCalibrationReport({ filter: { includeGold: false }, scopes, columns, bins: [] });
    expect(r.finalPairs).toBe(14);
    expect(r.flag).toMatchObject({ tp: 4, fp: 3, fn: 2, noVerdictNotAccepted: 5 });
    expect(r.scopes.map((s) => [scopeLabel(s.scope), s.finalPairs])).toEqual([
      ["Whole project", 14], ["object", 4], ["object / color", 4], ["style", 5], ["style / anime", 3], ["style / color", 2],
    ]);
  });

  it("puts a bin of the overall score at the lower of its two rows' lowest scores, and counts unscored pairs", () => {
    const r = buildCalibrationReport({
      filter: { includeGold: false },
      scopes,
      columns,
      bins: [
        { key: "ec", bin: 1, min: 1, accepted: false, n: 10 },
        { key: "overall", bin: 7.25, min: 7.252, accepted: true, n: 2 },
        { key: "overall", bin: 7.25, min: 7.248, accepted: false, n: 1 },
        { key: "overall", bin: 9, min: 9, accepted: true, n: 1 },
        // Lower is better: the database sends the negated score, the sweep answers in the column's own values.
        { key: "lpips", bin: -0.2, min: -0.2, accepted: true, n: 3 },
        { key: "lpips", bin: -0.6, min: -0.6, accepted: false, n: 2 },
      ],
    });
    const overall = r.sweeps.find((s) => s.key === "overall")!;
    expect(overall.points.map((p) => [p.threshold, p.tp, p.fp])).toEqual([[7.248, 3, 1], [9, 1, 0]]);
    expect([overall.scored, overall.unscored]).toEqual([4, 10]);
    const ec = r.sweeps.find((s) => s.key === "ec")!;
    expect([ec.scored, ec.unscored, ec.points.length]).toEqual([10, 4, 1]);
    expect(ec.integer).toBe(true);
    const lpips = r.sweeps.find((s) => s.key === "lpips")!;
    expect(lpips.lowerIsBetter).toBe(true);
    expect(lpips.points.map((p) => [p.threshold, p.tp, p.fp])).toEqual([[0.6, 3, 2], [0.2, 3, 0]]);
    expect(hasVerifierSignals(r)).toBe(true);
  });

  it("finds no signals when the verifier said nothing", () => {
    const r = buildCalibrationReport({
      filter: { includeGold: false },
      scopes: [group("object", "color", null, null, true, 3)],
      columns,
      bins: [],
    });
    expect(r.finalPairs).toBe(3);
    expect(hasVerifierSignals(r)).toBe(false);
  });
});
