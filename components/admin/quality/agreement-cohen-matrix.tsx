import type { TAnnotatorKappa, TAnnotatorRef } from "@/lib/quality/figures-types";
import { StatValue } from "./agreement-stat";

/** Cell tint by κ; the number is always printed, so colour only repeats it. */
function tint(kappa: number | null): string {
  if (kappa === null) return "bg-neutral-50";
  if (kappa >= 0.8) return "bg-emerald-100";
  if (kappa >= 0.6) return "bg-emerald-50";
  if (kappa >= 0.4) return "bg-amber-50";
  if (kappa >= 0) return "bg-orange-100";
  return "bg-red-100";
}

/** Cohen's κ on the decision per annotator pair: a row that runs low points at someone reading the guidelines differently. */
export function AgreementCohenMatrix({ annotators, cohen }: { annotators: TAnnotatorRef[]; cohen: TAnnotatorKappa[] }) {
  if (annotators.length === 0) {
    return <p className="text-sm text-neutral-600">No two annotators have labelled the same pair yet.</p>;
  }
  const byPair = new Map<string, TAnnotatorKappa>();
  for (const k of cohen) {
    byPair.set(`${k.a.id}:${k.b.id}`, k);
    byPair.set(`${k.b.id}:${k.a.id}`, k);
  }
  return (
    <div className="overflow-x-auto rounded-lg border border-neutral-200" role="region" aria-labelledby="cohen-caption" tabIndex={0}>
      <table className="bg-white text-sm">
        <caption id="cohen-caption" className="p-2 text-left font-medium">
          Cohen&apos;s κ on the decision between annotators (each cell: κ, and n = pairs both labelled)
        </caption>
        <thead className="bg-neutral-100">
          <tr>
            <td className="p-2" />
            {annotators.map((a) => (
              <th key={a.id} scope="col" className="max-w-32 p-2 text-left font-semibold">
                {a.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {annotators.map((row) => (
            <tr key={row.id} className="border-t border-neutral-200">
              <th scope="row" className="whitespace-nowrap bg-neutral-100 p-2 text-left font-semibold">
                {row.name}
              </th>
              {annotators.map((col) => {
                if (row.id === col.id) {
                  return (
                    <td key={col.id} className="p-2 text-center text-neutral-400">
                      <span aria-hidden>—</span>
                      <span className="sr-only">same annotator</span>
                    </td>
                  );
                }
                const k = byPair.get(`${row.id}:${col.id}`);
                if (!k) {
                  return (
                    <td key={col.id} className="p-2 text-center text-xs text-neutral-400">
                      no shared pairs
                    </td>
                  );
                }
                return (
                  <td key={col.id} className={`p-2 text-right ${tint(k.kappa)}`}>
                    <StatValue value={k.kappa} reason={k.reason} />
                    <span className="block text-xs text-neutral-600">n = {k.n.toLocaleString("en")}</span>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
