import { binaryStats } from "@/lib/calibration/math";
import { scopeLabel, type TScopeRow } from "@/lib/calibration/report";
import { formatCount } from "../quality/format";
import { formatF1, formatRate } from "./format";

const HEAD = ["Scope", "Final pairs", "With a verdict", "TP", "FP", "FN", "TN", "Precision", "Recall", "F1", "Agreement"];

export function ScopeTable({ caption, rows, verdict }: { caption: string; rows: TScopeRow[]; verdict: "flag" | "keep" }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-neutral-200 bg-white">
      <table className="w-full text-sm tabular-nums">
        <caption className="px-3 pt-2 text-left font-medium">{caption}</caption>
        <thead>
          <tr className="border-b border-neutral-200">
            {HEAD.map((h, i) => (
              <th key={h} scope="col" className={`px-3 py-1 font-medium ${i === 0 ? "text-left" : "text-right"}`}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const s = binaryStats(r[verdict]);
            const indent = r.scope.level === "subtask" ? "pl-7" : r.scope.level === "task" ? "pl-5" : "";
            return (
              <tr key={scopeLabel(r.scope)} className="border-b border-neutral-100">
                <th scope="row" className={`px-3 py-1 text-left font-medium ${indent}`}>{scopeLabel(r.scope)}</th>
                {[formatCount(r.finalPairs), formatCount(s.n), formatCount(s.tp), formatCount(s.fp), formatCount(s.fn), formatCount(s.tn),
                  formatRate(s.precision), formatRate(s.recall), formatF1(s.f1), formatRate(s.agreement)].map((v, i) => (
                  <td key={i} className="px-3 py-1 text-right">{v}</td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
