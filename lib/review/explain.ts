// What the review page says about a pair, from its stored facts. Pure, so the server words the routing
// reasons, the page numbers the candidates, and both are unit-tested.
import type {
  TDecision,
  TReviewLabel,
  TRoutingExplanation,
  TRoutingReason,
  TVerdict,
  TVerifierSignals,
} from "./types";

const DECISION_NOUNS: Record<TDecision, [string, string]> = {
  accept: ["accept", "accepts"],
  reject: ["reject", "rejects"],
  recaption: ["re-caption", "re-captions"],
};

const MAJORITY_VERBS: Record<TDecision, string> = {
  accept: "accepted",
  reject: "rejected",
  recaption: "re-captioned",
};

/** Which verifier signal a keep rule reads, mirroring SQL loupe_verifier_verdict. */
export function verdictBasis(rule: string, valid: boolean | null): "flag" | "scores" | null {
  if (rule === "off") return null;
  if (rule === "valid_flag") return "flag";
  if (rule === "scores" || valid === null) return "scores";
  return "flag";
}

export function majorityDecision(labels: Pick<TReviewLabel, "decision">[]): TDecision | null {
  const counts = new Map<TDecision, number>();
  for (const l of labels) counts.set(l.decision, (counts.get(l.decision) ?? 0) + 1);
  for (const [d, n] of counts) if (n * 2 > labels.length) return d;
  return null;
}

function decisionTally(labels: Pick<TReviewLabel, "decision">[]): string {
  const order: TDecision[] = ["accept", "reject", "recaption"];
  return order
    .map((d) => [d, labels.filter((l) => l.decision === d).length] as const)
    .filter(([, n]) => n > 0)
    .map(([d, n]) => `${n} ${DECISION_NOUNS[d][n === 1 ? 0 : 1]}`)
    .join(", ");
}

export function describeVerdict(verdict: TVerdict, signals: TVerifierSignals): string {
  if (verdict.valid === null || verdict.basis === null) return "verifier has no verdict";
  const says = `verifier says ${verdict.valid ? "valid" : "not valid"}`;
  if (verdict.basis === "flag") {
    return `${says} (valid flag${signals.failureClass ? `, failure class ${signals.failureClass}` : ""})`;
  }
  const value = (short: string) => signals.scores.find((s) => s.short === short)?.value ?? "none";
  const scores = verdict.keep.map((k) => `${k.short} ${value(k.short)}`).join(", ");
  return `${says} (${scores}, rule ${describeThresholds(verdict.keep)})`;
}

/** "IF≥3 ∧ EC≥2 ∧ GQ≥2". */
export function describeThresholds(keep: TVerdict["keep"]): string {
  return keep.map((k) => `${k.short}${k.higherIsBetter ? "≥" : "≤"}${k.keep}`).join(" ∧ ");
}

/** The routing reasons in words, in the order the label trigger found them. */
export function explainRouting(args: {
  reasons: TRoutingReason[];
  labels: Pick<TReviewLabel, "decision">[];
  recaptionSpread: number | null;
  recaptionThreshold: number;
  verdict: TVerdict;
  verifier: TVerifierSignals;
}): TRoutingExplanation[] {
  return args.reasons.map((reason): TRoutingExplanation => {
    switch (reason) {
      case "decision":
        return { reason, text: `Annotators disagree on the decision (${decisionTally(args.labels)})` };
      case "recaption":
        return {
          reason,
          text: args.recaptionSpread === null
            ? "Re-captions differ beyond the project's threshold"
            : `Re-captions differ: distance ${args.recaptionSpread.toFixed(2)} over the project's ${args.recaptionThreshold.toFixed(2)}`,
        };
      case "verifier": {
        const majority = majorityDecision(args.labels);
        const people = majority ? `; the majority ${MAJORITY_VERBS[majority]}` : "";
        return { reason, text: `People contradict the verifier: ${describeVerdict(args.verdict, args.verifier)}${people}` };
      }
    }
  });
}

export interface TCandidate {
  /** 1-based number shown on screen and pressed on the keyboard. */
  n: number;
  kind: "original" | "verifier" | "human";
  text: string;
  /** Annotators who wrote this re-caption (human candidates only). */
  authors: string[];
}

/** Final instruction candidates: the original, the verifier's re-caption, then distinct human ones in writing order. */
export function buildCandidates(pair: {
  instruction: string;
  verifier: Pick<TVerifierSignals, "recaption">;
  labels: Pick<TReviewLabel, "recaption" | "annotatorName">[];
}): TCandidate[] {
  const out: TCandidate[] = [{ n: 1, kind: "original", text: pair.instruction, authors: [] }];
  const verifierText = pair.verifier.recaption?.trim();
  if (verifierText) out.push({ n: out.length + 1, kind: "verifier", text: verifierText, authors: [] });
  const byText = new Map<string, TCandidate>();
  for (const l of pair.labels) {
    const text = l.recaption?.trim();
    if (!text) continue;
    const seen = byText.get(text);
    if (seen) {
      seen.authors.push(l.annotatorName);
      continue;
    }
    const c: TCandidate = { n: out.length + 1, kind: "human", text, authors: [l.annotatorName] };
    byText.set(text, c);
    out.push(c);
  }
  return out;
}

/** What E prefills: the human re-caption most annotators wrote (the first on a tie), else the original. */
export function defaultFinalInstruction(candidates: TCandidate[]): string {
  let best: TCandidate | undefined;
  for (const c of candidates) {
    if (c.kind === "human" && (!best || c.authors.length > best.authors.length)) best = c;
  }
  return (best ?? candidates[0])?.text ?? "";
}

/** An edited final instruction equal to the original (after trimming) is an accept, else a re-caption. */
export function decisionForEdit(original: string, edited: string): "accept" | "recaption" {
  return edited.trim() === original.trim() ? "accept" : "recaption";
}
