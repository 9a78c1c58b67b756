import { binaryStats, type TVerdicts } from "@/lib/calibration/math";
import { formatCount } from "../quality/format";
import { formatF1, formatRate } from "./format";

/** One verifier verdict against people as a confusion matrix; pairs without a verdict stay out of the figures. */
export function VerdictCard({ id, title, children, verdicts, verdictLabels }: {
  id: string;
  title: string;
  children?: React.ReactNode;
  verdicts: TVerdicts;
  /** How the verifier's two answers read for this verdict, e.g. ["valid", "not valid"]. */
  verdictLabels: [string, string];
}) {
  const s = binaryStats(verdicts);
  const none = verdicts.noVerdictAccepted + verdicts.noVerdictNotAccepted;
  const rows: [string, number, number][] = [
    [`Verifier: ${verdictLabels[0]}`, verdicts.tp, verdicts.fp],
    [`Verifier: ${verdictLabels[1]}`, verdicts.fn, verdicts.tn],
    ["No verdict", verdicts.noVerdictAccepted, verdicts.noVerdictNotAccepted],
  ];
  const stats = [
    { term: "Precision", value: formatRate(s.precision), hint: "of the pairs it keeps, people accepted" },
    { term: "Recall", value: formatRate(s.recall), hint: "of the pairs people accepted, it keeps" },
    { term: "F1", value: formatF1(s.f1), hint: "harmonic mean of the two" },
    { term: "Agreement", value: formatRate(s.agreement), hint: "verdicts that match people" },
  ];
  return (
    <section aria-labelledby={id} className="space-y-3 rounded-lg border border-neutral-200 bg-white p-4">
      <h2 id={id} className="text-lg font-semibold">{title}</h2>
      {children}
      {s.n === 0 ? (
        <p className="text-sm text-neutral-600">
          The verifier gave no verdict of this kind on {formatCount(none)} {none === 1 ? "pair" : "pairs"}.
        </p>
      ) : null}
      <div className="grid gap-4 lg:grid-cols-[auto_1fr]">
        <table className="text-sm tabular-nums">
          <caption className="pb-1 text-left font-medium">Confusion matrix: {title}</caption>
          <thead>
            <tr className="border-b border-neutral-200">
              <td />
              <th scope="col" className="px-3 py-1 text-right font-medium">People accepted</th>
              <th scope="col" className="px-3 py-1 text-right font-medium">People rejected or re-captioned</th>
              <th scope="col" className="px-3 py-1 text-right font-medium">Total</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([label, accepted, notAccepted]) => (
              <tr key={label} className="border-b border-neutral-100">
                <th scope="row" className="px-3 py-1 text-left font-medium">{label}</th>
                <td className="px-3 py-1 text-right">{formatCount(accepted)}</td>
                <td className="px-3 py-1 text-right">{formatCount(notAccepted)}</td>
                <td className="px-3 py-1 text-right">{formatCount(accepted + notAccepted)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4">
          {stats.map((x) => (
            <div key={x.term}>
              <dt className="text-sm text-neutral-600">{x.term}</dt>
              <dd className="text-2xl font-semibold tabular-nums">{x.value}</dd>
              <dd className="text-xs text-neutral-600">{x.hint}</dd>
            </div>
          ))}
        </dl>
      </div>
      <p className="text-xs text-neutral-600">
        {formatCount(s.n)} pairs with a verdict: {formatCount(s.tp)} true positives, {formatCount(s.fp)} false positives,{" "}
        {formatCount(s.fn)} false negatives, {formatCount(s.tn)} true negatives.
      </p>
    </section>
  );
}
