import { thinPoints, thresholdForPrecision, type TInterval } from "@/lib/calibration/math";
import { scopeLabel } from "@/lib/calibration/report";
import { versionLabel, type TVersionComparison } from "@/lib/calibration/versions-report";
import { formatCount } from "../quality/format";
import { formatF1, formatRate, formatTarget, formatThreshold } from "./format";
import { VersionPrChart } from "./version-pr-chart";
import { VersionRefresh } from "./version-refresh";

function age(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  if (minutes < 1) return "less than a minute ago";
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? "" : "s"} ago`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} hours ago` : `${Math.round(hours / 24)} days ago`;
}

const ci = (i: TInterval | null, f: (x: number) => string) => (i ? `${f(i.low)}–${f(i.high)}` : "—");
const th = "px-3 py-1 font-medium";

/** Verifier versions side by side on the same human-labelled pairs (decision 024). */
export function VersionComparison({ c, targetPercent }: { c: TVersionComparison; targetPercent: number }) {
  const { summary } = c;
  const compared = c.filter.versions;
  const target = targetPercent / 100;
  return (
    <section aria-labelledby="versions-heading" className="space-y-3">
      <h2 id="versions-heading" className="text-lg font-semibold">Verifier versions compared</h2>
      <p className="max-w-3xl text-sm text-neutral-600">
        Each version&apos;s verdict (the project&apos;s verifier rule applied to that version&apos;s output) against the final decisions, on
        the final pairs that have an output from every compared version, so the versions are judged on the same pairs. Intervals are 95%:
        Wilson&apos;s for precision and recall; for F1 Wilson&apos;s at the effective sample size of the delta method.
      </p>
      <div className="space-y-2 rounded-lg border border-neutral-200 bg-white p-3 text-sm">
        <p>
          {summary.computedAt ? (
            <>
              Computed <time dateTime={summary.computedAt} title={summary.computedAt}>{age(summary.ageSeconds ?? 0)}</time> over{" "}
              {formatCount(summary.pairs)} final pairs with verifier outputs; pairs finalised or outputs imported since count once it is
              computed again.
            </>
          ) : (
            "Not computed yet. Computing reads every final pair once, in steps; the page then reads only the summary."
          )}
        </p>
        {summary.ruleChanged ? (
          <p role="status" className="text-amber-800">The verifier rule or the declared scales changed since: compute again for verdicts under the current rule.</p>
        ) : null}
        <VersionRefresh projectId={c.project.id} computed={summary.computedAt !== null} running={summary.running?.progress ?? null} />
      </div>

      {summary.computedAt === null ? null : c.versions.length === 0 ? (
        <p className="text-sm text-neutral-700">No final pair carries a verifier output.</p>
      ) : (
        <>
          <p className="text-sm text-neutral-700">
            Comparing {compared.map(versionLabel).join(", ")} on {formatCount(c.pairs)} final pairs{c.filter.includeGold ? " (gold included)" : ""};
            people accepted {formatCount(c.accepted)}.
          </p>
          {c.pairs === 0 ? null : (
            <>
              <div className="overflow-x-auto rounded-lg border border-neutral-200 bg-white">
                <table className="w-full text-sm tabular-nums">
                  <caption className="px-3 pt-2 text-left font-medium">Versions by task and subtask</caption>
                  <thead>
                    <tr className="border-b border-neutral-200">
                      {["Scope and version", "Pairs", "Precision", "95% interval", "Recall", "95% interval", "F1", "95% interval"].map((h, i) => (
                        <th key={h + i} scope="col" className={`${th} ${i === 0 ? "text-left" : "text-right"}`}>{h}</th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {c.scopes.flatMap((s) =>
                      s.byVersion.map((v) => (
                        <tr key={`${scopeLabel(s.scope)}\u0000${v.version}`} className="border-b border-neutral-100">
                          <th scope="row" className={`${th} text-left`}>{scopeLabel(s.scope)} · {versionLabel(v.version)}</th>
                          <td className="px-3 py-1 text-right">{formatCount(s.pairs)}</td>
                          <td className="px-3 py-1 text-right">{formatRate(v.stats.precision)}</td>
                          <td className="px-3 py-1 text-right">{ci(v.stats.precisionCi, formatRate)}</td>
                          <td className="px-3 py-1 text-right">{formatRate(v.stats.recall)}</td>
                          <td className="px-3 py-1 text-right">{ci(v.stats.recallCi, formatRate)}</td>
                          <td className="px-3 py-1 text-right">{formatF1(v.stats.f1)}</td>
                          <td className="px-3 py-1 text-right">{ci(v.stats.f1Ci, formatF1)}</td>
                        </tr>
                      )))}
                  </tbody>
                </table>
              </div>

              <div aria-live="polite" className="overflow-x-auto rounded-lg border border-neutral-200 bg-white">
                <table className="w-full text-sm tabular-nums">
                  <caption className="px-3 pt-2 text-left font-medium">Lowest threshold per version with at least {formatTarget(targetPercent)} precision</caption>
                  <thead>
                    <tr className="border-b border-neutral-200">
                      {["Score and version", "Keep pairs with", "Precision", "Recall", "Pairs kept"].map((h, i) => (
                        <th key={h} scope="col" className={`${th} ${i < 2 ? "text-left" : "text-right"}`}>{h}</th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {c.sweeps.flatMap((s) =>
                      s.curves.map((curve) => {
                        const chosen = thresholdForPrecision(curve.points, target);
                        return (
                          <tr key={`${s.key}\u0000${curve.version}`} className="border-b border-neutral-100">
                            <th scope="row" className={`${th} text-left`}>{s.label} · {versionLabel(curve.version)}</th>
                            {chosen ? (
                              <>
                                <td className="px-3 py-1 font-semibold">{s.short} {s.lowerIsBetter ? "≤" : "≥"} {formatThreshold(chosen.threshold, s.integer)}</td>
                                <td className="px-3 py-1 text-right">{formatRate(chosen.precision)}</td>
                                <td className="px-3 py-1 text-right">{formatRate(chosen.recall)}</td>
                                <td className="px-3 py-1 text-right">{formatCount(chosen.kept)}</td>
                              </>
                            ) : (
                              <td colSpan={4} className="px-3 py-1 text-neutral-600">
                                {curve.points.length === 0 ? "No pair has this score." : `Not reached (best ${formatRate(Math.max(...curve.points.map((p) => p.precision)))}).`}
                              </td>
                            )}
                          </tr>
                        );
                      }))}
                  </tbody>
                </table>
              </div>

              <div className="grid gap-4 lg:grid-cols-2">
                {c.sweeps
                  .filter((s) => s.curves.some((curve) => curve.points.length > 0))
                  .map((s) => (
                    <VersionPrChart
                      key={s.key}
                      label={s.label}
                      short={s.short}
                      integer={s.integer}
                      lowerIsBetter={s.lowerIsBetter}
                      targetPercent={targetPercent}
                      curves={s.curves.map((curve) => {
                        const chosen = thresholdForPrecision(curve.points, target);
                        return { version: curve.version, points: thinPoints(curve.points, 300, [chosen]), chosen };
                      })}
                    />
                  ))}
              </div>
            </>
          )}
        </>
      )}
    </section>
  );
}
