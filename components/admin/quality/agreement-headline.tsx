import type { TAgreementRow } from "@/lib/quality/figures-types";
import { StatValue, TONE_CLASSES, alphaVerdict, formatPercent } from "./agreement-stat";

export function AgreementHeadline({ row, headingLevel = 2 }: { row: TAgreementRow; headingLevel?: 2 | 3 }) {
  const Heading = headingLevel === 2 ? "h2" : "h3";
  const verdict = row.alpha.alpha === null ? null : alphaVerdict(row.alpha.alpha);
  const stats = [
    { term: "Percent agreement", value: row.percentAgreement, reason: row.percentAgreement === null ? ("no-data" as const) : null, format: formatPercent },
    { term: "Fleiss' κ", value: row.fleiss.kappa, reason: row.fleiss.reason },
    { term: "Krippendorff's α", value: row.alpha.alpha, reason: row.alpha.reason },
  ];
  return (
    <section aria-labelledby="agreement-headline" className="rounded-lg border border-neutral-200 bg-white p-4">
      <Heading id="agreement-headline" className="text-lg font-semibold">
        Decision (accept / reject / re-caption), whole project
      </Heading>
      <dl className="mt-3 grid grid-cols-2 gap-4 sm:grid-cols-4">
        {stats.map((s) => (
          <div key={s.term}>
            <dt className="text-sm text-neutral-600">{s.term}</dt>
            <dd className="text-2xl font-semibold">
              <StatValue value={s.value} reason={s.reason} format={s.format} />
            </dd>
          </div>
        ))}
        <div>
          <dt className="text-sm text-neutral-600">Pairs compared</dt>
          <dd className="text-2xl font-semibold tabular-nums">{row.pairableUnits.toLocaleString("en")}</dd>
          <dd className="text-xs text-neutral-600">
            of {row.units.toLocaleString("en")} labelled pairs ({row.labels.toLocaleString("en")} labels)
          </dd>
        </div>
      </dl>
      {verdict ? (
        <p className={`mt-3 rounded px-2 py-1 text-sm ${TONE_CLASSES[verdict.tone]}`}>Decision labels are {verdict.text}.</p>
      ) : null}
    </section>
  );
}
