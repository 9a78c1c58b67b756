"use client";

import { describeThresholds, type TCandidate } from "@/lib/review/explain";
import type { TReviewLabel, TReviewPair } from "@/lib/review/types";
import { WordDiff } from "./word-diff";

export interface TReasonInfo {
  code: string;
  label: string;
  dimension: string;
  /** Retired from the taxonomy: named in history, no longer offered. */
  retired?: boolean;
}

const DECISION_WORDS: Record<TReviewLabel["decision"], string> = { accept: "Accept", reject: "Reject", recaption: "Re-caption" };

export function candidateTitle(c: TCandidate): string {
  if (c.kind === "original") return "original instruction";
  if (c.kind === "verifier") return "verifier re-caption";
  return `re-caption by ${c.authors.join(", ")}`;
}

/** The numbered candidates for the final instruction, each after the first shown as a word diff against the original. */
export function CandidateList({ candidates, onUse, disabled }: {
  candidates: TCandidate[];
  onUse: (c: TCandidate) => void;
  disabled: boolean;
}) {
  const original = candidates[0]?.text ?? "";
  return (
    <section aria-labelledby="candidates-title" className="rounded-lg border border-neutral-200 bg-white p-2">
      <h2 id="candidates-title" className="text-sm font-semibold text-neutral-700">
        Candidates for the final instruction <span className="font-normal text-neutral-500">— press its number to take one</span>
      </h2>
      <ol className="mt-2 space-y-2" aria-label="Candidates for the final instruction">
        {candidates.map((c) => (
          <li key={c.n} className="flex items-start gap-2">
            <kbd aria-hidden="true" className="mt-0.5 w-6 shrink-0 rounded border border-neutral-300 bg-neutral-50 text-center font-mono text-sm">
              {c.n <= 9 ? c.n : "·"}
            </kbd>
            <div className="min-w-0 flex-1">
              <p className="text-xs uppercase tracking-wide text-neutral-500">{candidateTitle(c)}</p>
              <p className="text-sm leading-snug">
                {c.kind === "original" ? c.text : <WordDiff from={original} to={c.text} />}
              </p>
            </div>
            <button type="button" onClick={() => onUse(c)} disabled={disabled}
              aria-label={`Use candidate ${c.n} (${candidateTitle(c)})`} aria-keyshortcuts={c.n <= 9 ? String(c.n) : undefined}
              className="shrink-0 rounded-md border border-neutral-300 px-2 py-1 text-sm hover:bg-neutral-100 disabled:opacity-50">
              Use
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}

function reasonText(code: string, reasons: Map<string, TReasonInfo>): string {
  const r = reasons.get(code);
  return r ? `${r.label} (${r.dimension})` : `${code} (no longer in the taxonomy)`;
}

const DECISION_TONE: Record<TReviewLabel["decision"], string> = {
  accept: "text-success",
  reject: "text-danger",
  recaption: "",
};

/**
 * Who said what, narrow enough for the rail beside two natural-size images: each annotator's name and
 * decision on one line, their reasons and re-caption under it at the rail's full width.
 */
export function LabelList({ labels, reasons }: { labels: TReviewLabel[]; reasons: TReasonInfo[] }) {
  const byCode = new Map(reasons.map((r) => [r.code, r]));
  return (
    <section aria-labelledby="labels-title" className="rounded-lg border border-neutral-200 bg-white px-2 py-1.5">
      <h2 id="labels-title" className="text-sm font-semibold text-neutral-700">Labels on this pair</h2>
      <ul className="mt-0.5 divide-y divide-neutral-200 text-xs [overflow-wrap:anywhere]">
        {labels.map((l) => (
          <li key={l.id} className="py-1">
            <p>
              <span className="font-medium">{l.annotatorName}</span>
              <span className="text-neutral-600">: </span>
              <span className={`font-semibold ${DECISION_TONE[l.decision]}`}>{DECISION_WORDS[l.decision]}</span>
              <span className="whitespace-nowrap tabular-nums text-neutral-600"> · {l.secondsSpent.toFixed(1)} s</span>
            </p>
            {l.reasons.length > 0 ? (
              <ul aria-label={`Reasons given by ${l.annotatorName}`} className="list-inside list-disc">
                {l.reasons.map((c) => <li key={c}>{reasonText(c, byCode)}</li>)}
              </ul>
            ) : null}
            {l.recaption ? (
              <p className="mt-0.5 border-l-2 border-amber-400 pl-1.5"><span className="sr-only">Re-caption: </span>{l.recaption}</p>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function VerifierSignals({ pair }: { pair: TReviewPair }) {
  const v = pair.verifier;
  const verdict = pair.verdict;
  const rows: [string, string][] = [];
  rows.push([
    "Verdict",
    verdict.valid === null
      ? verdict.rule === "off" ? "none (the project ignores the verifier)" : "none (no signal the keep rule reads)"
      : `${verdict.valid ? "valid" : "not valid"} by ${verdict.basis === "flag" ? "the valid flag" :
        `the scores (rule ${describeThresholds(verdict.keep)})`}`,
  ]);
  if (v.valid !== null) rows.push(["Valid flag", v.valid ? "valid" : "not valid"]);
  if (v.failureClass) rows.push(["Failure class", v.failureClass]);
  for (const s of v.scores) rows.push([s.label, `${s.value} (scale ${s.min}–${s.max})`]);
  if (v.modelVersion) rows.push(["Verifier version", v.modelVersion]);
  if (pair.agreement !== null) rows.push(["Agreement with the majority", `${Math.round(pair.agreement * 100)}%`]);
  // Name and value run on as one line that wraps, so the list stays short in the narrow rail.
  return (
    <section aria-labelledby="verifier-title" className="rounded-lg border border-neutral-200 bg-white px-2 py-1.5">
      <h2 id="verifier-title" className="text-sm font-semibold text-neutral-700">Verifier signals</h2>
      <dl className="mt-0.5 space-y-0.5 text-xs [overflow-wrap:anywhere]">
        {rows.map(([k, val]) => (
          <div key={k}>
            <dt className="inline text-neutral-600">{k}: </dt>
            <dd className="inline">{val}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
