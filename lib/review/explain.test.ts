import { describe, expect, it } from "vitest";
import {
  buildCandidates,
  decisionForEdit,
  defaultFinalInstruction,
  describeVerdict,
  explainRouting,
  majorityDecision,
  verdictBasis,
} from "./explain";
import type { TVerdict, TVerifierSignals } from "./types";

const signals: TVerifierSignals = {
  valid: null, failureClass: null, recaption: null, modelVersion: null,
  scores: [
    { key: "instruction_following", label: "Instruction following (IF)", short: "IF", value: 3, min: 1, max: 3 },
    { key: "editing_consistency", label: "Editing consistency (EC)", short: "EC", value: 2, min: 1, max: 3 },
    { key: "generation_quality", label: "Generation quality (GQ)", short: "GQ", value: 1, min: 1, max: 3 },
  ],
};
const keep = [
  { short: "IF", higherIsBetter: true, keep: 3 },
  { short: "EC", higherIsBetter: true, keep: 2 },
  { short: "GQ", higherIsBetter: true, keep: 2 },
];

describe("verdictBasis mirrors loupe_verifier_verdict", () => {
  it.each([
    ["off", true, null],
    ["valid_flag", null, "flag"],
    ["scores", true, "scores"],
    ["auto", true, "flag"],
    ["auto", null, "scores"],
  ] as const)("rule %s, valid %s → %s", (rule, valid, basis) => {
    expect(verdictBasis(rule, valid)).toBe(basis);
  });
});

describe("explainRouting", () => {
  const verdict: TVerdict = { valid: false, basis: "scores", rule: "auto", keep };

  it("words each reason the way the reviewer reads it", () => {
    const labels = [{ decision: "accept" as const }, { decision: "accept" as const }, { decision: "recaption" as const }];
    expect(explainRouting({ reasons: ["decision", "recaption", "verifier"], labels, recaptionSpread: 0.4213, recaptionThreshold: 0.35, verdict, verifier: signals }))
      .toEqual([
        { reason: "decision", text: "Annotators disagree on the decision (2 accepts, 1 re-caption)" },
        { reason: "recaption", text: "Re-captions differ: distance 0.42 over the project's 0.35" },
        {
          reason: "verifier",
          text: "People contradict the verifier: verifier says not valid (IF 3, EC 2, GQ 1, rule IF≥3 ∧ EC≥2 ∧ GQ≥2); the majority accepted",
        },
      ]);
  });

  it("names the valid flag and failure class when the verdict came from them", () => {
    const flag: TVerdict = { valid: true, basis: "flag", rule: "valid_flag", keep };
    expect(describeVerdict(flag, { ...signals, valid: true })).toBe("verifier says valid (valid flag)");
    expect(describeVerdict({ ...flag, valid: false }, { ...signals, valid: false, failureClass: "Hallucination" }))
      .toBe("verifier says not valid (valid flag, failure class Hallucination)");
    expect(describeVerdict({ valid: null, basis: null, rule: "off", keep }, signals)).toBe("verifier has no verdict");
  });

  it("has no majority on a tie", () => {
    expect(majorityDecision([{ decision: "accept" }, { decision: "reject" }])).toBeNull();
    expect(majorityDecision([{ decision: "reject" }, { decision: "reject" }, { decision: "accept" }])).toBe("reject");
  });
});

describe("candidates", () => {
  const labels = [
    { annotatorName: "Ann", recaption: null },
    { annotatorName: "Bo", recaption: "Add a red kite " },
    { annotatorName: "Cy", recaption: "Add a blue kite" },
    { annotatorName: "Di", recaption: "Add a blue kite" },
  ];

  it("numbers the original, the verifier's re-caption, then each distinct human re-caption", () => {
    const c = buildCandidates({ instruction: "Add a kite", verifier: { recaption: "Add a kite in the sky" }, labels });
    expect(c.map((x) => [x.n, x.kind, x.text, x.authors])).toEqual([
      [1, "original", "Add a kite", []],
      [2, "verifier", "Add a kite in the sky", []],
      [3, "human", "Add a red kite", ["Bo"]],
      [4, "human", "Add a blue kite", ["Cy", "Di"]],
    ]);
    expect(defaultFinalInstruction(c)).toBe("Add a blue kite");
  });

  it("without a verifier re-caption the humans start at 2, and E falls back to the original", () => {
    const c = buildCandidates({ instruction: "Add a kite", verifier: { recaption: "  " }, labels: labels.slice(0, 2) });
    expect(c.map((x) => x.n)).toEqual([1, 2]);
    expect(c[1]?.kind).toBe("human");
    expect(defaultFinalInstruction(c)).toBe("Add a red kite");
    expect(defaultFinalInstruction(buildCandidates({ instruction: "Add a kite", verifier: { recaption: null }, labels: [] }))).toBe("Add a kite");
  });

  it("an edit equal to the original after trimming is an accept", () => {
    expect(decisionForEdit("Add a kite", "  Add a kite ")).toBe("accept");
    expect(decisionForEdit("Add a kite", "Add a kite.")).toBe("recaption");
  });
});
