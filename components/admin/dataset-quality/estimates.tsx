import type { TCombinedEstimate } from "@/lib/quality/audit-math";
import type { TStratumDomainView, TStratumView } from "@/lib/quality/audit-types";
import { formatCount, formatPercent } from "@/components/admin/quality/format";

const interval = (i: { low: number; high: number } | null) => (i ? `${formatPercent(i.low, 1)}–${formatPercent(i.high, 1)}` : "—");

/** One pool's combined estimate. */
export function EstimateCard({ id, title, estimate }: { id: string; title: string; estimate: TCombinedEstimate | null }) {
  return (
    <section aria-labelledby={id} className="rounded-lg border border-neutral-200 bg-white p-4">
      <h2 id={id} className="text-lg font-semibold">{title}</h2>
      {estimate && estimate.share !== null ? (
        <>
          <p className="mt-1 text-3xl font-semibold">{formatPercent(estimate.share, 1)}</p>
          <p className="text-sm text-neutral-700">
            accepted by people (95% interval {interval(estimate.interval)}), from {formatCount(estimate.labelled)} audit labels; about{" "}
            {formatCount(Math.round(estimate.pairs))} pairs in this pool.
          </p>
          {estimate.coverage !== null && estimate.coverage < 1 ? (
            <p className="mt-1 text-sm text-amber-800">
              Strata holding {formatPercent(1 - estimate.coverage)} of this pool have no labels yet and are not in the estimate.
            </p>
          ) : null}
        </>
      ) : (
        <p className="mt-1 text-sm text-neutral-700">No sampled pair of this pool has a final decision yet.</p>
      )}
    </section>
  );
}

function DomainCells({ d, width }: { d: TStratumDomainView; width: boolean }) {
  return (
    <>
      <td className="px-2 py-1 text-right">{formatCount(Math.round(d.pairs))}</td>
      <td className="px-2 py-1 text-right">{d.accepted}/{d.labelled}</td>
      <td className="px-2 py-1 text-right">{formatPercent(d.share, 1)}</td>
      <td className="px-2 py-1 text-right">{interval(d.interval)}</td>
      {width ? <td className="px-2 py-1 text-right">{d.sampled === 0 ? "—" : d.needed?.domainLabels === null ? "too many" : formatCount(d.needed?.domainLabels ?? 0)}</td> : null}
    </>
  );
}

/** Per stratum: its sample, both pools' estimates and, with a width, the labels needed. */
export function StrataTable({ strata, widthPoints }: { strata: TStratumView[]; widthPoints: number | null }) {
  const width = widthPoints !== null;
  const span = width ? 5 : 4;
  return (
    <div className="overflow-x-auto rounded-lg border border-neutral-200 bg-white">
      <table className="min-w-full text-sm">
        <caption className="sr-only">Audit estimates by task and subtask</caption>
        <thead className="bg-neutral-50 text-left">
          <tr>
            <th scope="col" rowSpan={2} className="px-2 py-1">Task / subtask</th>
            <th scope="col" rowSpan={2} className="px-2 py-1 text-right">Pairs</th>
            <th scope="col" rowSpan={2} className="px-2 py-1 text-right">Sampled</th>
            <th scope="col" rowSpan={2} className="px-2 py-1 text-right">Labelled</th>
            <th scope="colgroup" colSpan={span} className="px-2 py-1 text-center">Kept</th>
            <th scope="colgroup" colSpan={span} className="px-2 py-1 text-center">Dropped</th>
            {width ? <th scope="col" rowSpan={2} className="px-2 py-1 text-right">More audit labels for ±{widthPoints / 2} points</th> : null}
          </tr>
          <tr>
            {["Kept", "Dropped"].map((pool) => (
              <PoolHeads key={pool} pool={pool} width={width} />
            ))}
          </tr>
        </thead>
        <tbody>
          {strata.map((s) => (
            <tr key={`${s.task ?? ""}/${s.subtask ?? ""}`} className="border-t border-neutral-100">
              <th scope="row" className="px-2 py-1 text-left font-normal">{s.task ?? "—"} / {s.subtask ?? "—"}</th>
              <td className="px-2 py-1 text-right">{formatCount(s.stratumSize)}</td>
              <td className="px-2 py-1 text-right">{formatCount(s.sampled)} ({formatPercent(s.probability, 1)})</td>
              <td className="px-2 py-1 text-right">{formatCount(s.labelled)}</td>
              <DomainCells d={s.keep} width={width} />
              <DomainCells d={s.drop} width={width} />
              {width ? (
                <td className="px-2 py-1 text-right font-medium">
                  {s.moreLabels === null ? "unknown" : formatCount(s.moreLabels)}
                  {s.moreLabels !== null && s.moreLabels > s.sampled - s.labelled ? (
                    <>
                      {" "}
                      <span className="block text-xs font-normal text-amber-800">({formatCount(s.sampled - s.labelled)} unlabelled in the sample)</span>
                    </>
                  ) : null}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PoolHeads({ pool, width }: { pool: string; width: boolean }) {
  const cls = "px-2 py-1 text-right font-normal text-neutral-600";
  return (
    <>
      <th scope="col" className={cls}><span className="sr-only">{pool}: </span>est. pairs</th>
      <th scope="col" className={cls}><span className="sr-only">{pool}: </span>accepted</th>
      <th scope="col" className={cls}><span className="sr-only">{pool}: </span>share</th>
      <th scope="col" className={cls}><span className="sr-only">{pool}: </span>95% interval</th>
      {width ? <th scope="col" className={cls}><span className="sr-only">{pool}: </span>labels needed</th> : null}
    </>
  );
}
