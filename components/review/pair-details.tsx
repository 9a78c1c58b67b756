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

export function LabelsTable({ labels, reasons }: { labels: TReviewLabel[]; reasons: TReasonInfo[] }) {
  const byCode = new Map(reasons.map((r) => [r.code, r]));
  return (
    <table className="w-full table-fixed border-collapse overflow-hidden rounded-lg bg-white text-xs [overflow-wrap:anywhere]">
      <caption className="px-2 py-1 text-left text-sm font-semibold text-neutral-700">Labels on this pair</caption>
      <thead className="bg-neutral-100 text-left">
        <tr>
          <th scope="col" className="px-1.5 py-1">Annotator</th>
          <th scope="col" className="px-1.5 py-1">Decision</th>
          <th scope="col" className="px-1.5 py-1">Reasons</th>
          <th scope="col" className="px-1.5 py-1">Re-caption</th>
        </tr>
      </thead>
      <tbody>
        {labels.map((l) => (
          <tr key={l.id} className="border-t border-neutral-200 align-top">
            <th scope="row" className="px-1.5 py-1 text-left font-medium">{l.annotatorName}</th>
            <td className="px-1.5 py-1">
              {DECISION_WORDS[l.decision]}
              <span className="block tabular-nums text-neutral-500">{l.secondsSpent.toFixed(1)} s</span>
            </td>
            <td className="px-1.5 py-1">
              {l.reasons.length === 0 ? <span className="text-neutral-500">—</span> : (
                <ul className="list-inside list-disc">
                  {l.reasons.map((c) => <li key={c}>{reasonText(c, byCode)}</li>)}
                </ul>
              )}
            </td>
            <td className="px-1.5 py-1">{l.recaption ?? <span className="text-neutral-500">—</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
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
  return (
    <section aria-labelledby="verifier-title" className="rounded-lg border border-neutral-200 bg-white p-2">
      <h2 id="verifier-title" className="text-sm font-semibold text-neutral-700">Verifier signals</h2>
      <dl className="mt-1 grid grid-cols-[max-content_1fr] gap-x-3 gap-y-0.5 text-xs">
        {rows.map(([k, val]) => (
          <div key={k} className="contents">
            <dt className="text-neutral-600">{k}</dt>
            <dd>{val}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
