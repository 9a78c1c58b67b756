import type { TSweepPoint } from "@/lib/calibration/math";
import type { TScoreSweep } from "@/lib/calibration/report";
import { formatCount } from "../quality/format";
import { formatRate, formatTarget, formatThreshold } from "./format";

export type TThresholdAnswer = { sweep: TScoreSweep; chosen: TSweepPoint | null; best: TSweepPoint | null };

/** The lowest threshold per score that reaches the typed precision, or why none; a polite live region. */
export function ThresholdTable({ answers, targetPercent }: { answers: TThresholdAnswer[]; targetPercent: number }) {
  return (
    <div aria-live="polite" className="overflow-x-auto rounded-lg border border-neutral-200 bg-white">
      <table className="w-full text-sm tabular-nums">
        <caption className="px-3 pt-2 text-left font-medium">Lowest threshold with at least {formatTarget(targetPercent)} precision</caption>
        <thead>
          <tr className="border-b border-neutral-200">
            {["Score", "Keep pairs with", "Precision", "Recall", "Pairs kept", "Pairs with the score"].map((h, i) => (
              <th key={h} scope="col" className={`px-3 py-1 font-medium ${i < 2 ? "text-left" : "text-right"}`}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {answers.map(({ sweep, chosen, best }) => (
            <tr key={sweep.key} className="border-b border-neutral-100">
              <th scope="row" className="px-3 py-1 text-left font-medium">{sweep.label}</th>
              {chosen ? (
                <>
                  <td className="px-3 py-1 font-semibold">{sweep.short} {sweep.lowerIsBetter ? "≤" : "≥"} {formatThreshold(chosen.threshold, sweep.integer)}</td>
                  <td className="px-3 py-1 text-right">{formatRate(chosen.precision)}</td>
                  <td className="px-3 py-1 text-right">{formatRate(chosen.recall)}</td>
                  <td className="px-3 py-1 text-right">{formatCount(chosen.kept)}</td>
                </>
              ) : (
                <td colSpan={4} className="px-3 py-1 text-neutral-700">
                  {best
                    ? `No threshold reaches it; the most precise is ${sweep.short} ${sweep.lowerIsBetter ? "≤" : "≥"} ${formatThreshold(best.threshold, sweep.integer)} at ${formatRate(best.precision)}.`
                    : "No pair has this score."}
                </td>
              )}
              <td className="px-3 py-1 text-right">{formatCount(sweep.scored)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
