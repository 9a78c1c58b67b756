import "server-only";
import type { Db } from "../db/connect";
import type { TVerifierRule } from "../quality/settings-schema";
import {
  buildCalibrationReport,
  type TCalibrationFilter,
  type TCalibrationReport,
  type TScopeGroup,
  type TScoreBinGroup,
} from "./report";

import { parseVerifierScales, shortLabel, type TVerifierScale } from "../quality/scales";
import { KEPT_CALIBRATION_BINS, KEPT_CALIBRATION_SCOPES } from "../quality/kept";

// Verifier calibration against the human consensus, on the project's active verifier version (the copy
// each pair carries). Two statements read the kept figures (docs/decisions/031-calibration-kept.md,
// kept by lib/calibration/sql/kept.sql), so what is read depends on the tasks and distinct scores, not
// on the number of pairs:
//   scope   task, subtask, valid flag, keep-rule verdict, outcome   (calibration_scopes)
//   bins    each declared score column's score rounded to 3 significant digits, outcome  (calibration_bins)
// The sums and sweeps are in report.ts and math.ts. Rounding to significant digits keeps a bin per
// distinct value for the usual scores (1-3, 7.25, 0.83) and, unlike width_bucket over the observed range,
// one stray 1000 cannot squash every other score into a single bin. Rounding is monotone, so the lowest
// score a bin has held is an exact threshold: every score in lower bins is below it. Bins are kept on raw
// scores and oriented here (negated when lower is better, which negates the bin and swaps its extremes),
// so every sweep keeps what is at or above its threshold. The keep-rule verdict is the kept margin's
// sign (lib/quality/sql/verifier.sql), the same the consensus reads.

type TScopeRow = {
  task: string | null;
  subtask: string | null;
  valid: boolean | null;
  keep: boolean | null;
  accepted: boolean;
  n: number;
};
type TBinRow = { key: string; bin: number; min: number; accepted: boolean; n: number };

const SCOPE_SQL = `
    SELECT task, subtask, valid, keep, accepted, sum(pairs)::int AS n
    FROM ${KEPT_CALIBRATION_SCOPES} k
    WHERE project_id = $1::int AND ($2::boolean OR NOT is_gold)
    GROUP BY 1, 2, 3, 4, 5
    HAVING sum(pairs) <> 0`;

// $1 project, $2 include gold, $3 task, $4 subtask, $5 the declared keys, $6 whether each is higher-is-better.
const BINS_SQL = `
    SELECT c.key, CASE WHEN c.higher THEN k.bin ELSE -k.bin END AS bin,
           CASE WHEN c.higher THEN min(k.lo) ELSE -max(k.hi) END AS min, k.accepted, sum(k.pairs)::int AS n
    FROM ${KEPT_CALIBRATION_BINS} k
    JOIN unnest($5::text[], $6::boolean[]) AS c(key, higher) ON c.key = k.key
    WHERE k.project_id = $1::int AND ($2::boolean OR NOT k.is_gold)
      AND ($3::text IS NULL OR k.task = $3::text) AND ($4::text IS NULL OR k.subtask = $4::text)
    GROUP BY c.key, c.higher, k.bin, k.accepted
    HAVING sum(k.pairs) <> 0`;

export interface TCalibrationProject {
  id: number;
  name: string;
  verifierRule: TVerifierRule;
  /** The declared score columns with their keep thresholds. */
  scales: TVerifierScale[];
  /** The version calibrated (null: each pair's first output). */
  verifierVersion: string | null;
}

export type TCalibration = TCalibrationReport & { project: TCalibrationProject };

export async function getCalibration(db: Db, projectId: number, filter: TCalibrationFilter): Promise<TCalibration | null> {
  const p = await db.prisma.project.findUnique({
    where: { id: projectId },
    select: { id: true, name: true, verifierRule: true, verifierScales: true, verifierVersion: true },
  });
  if (!p) return null;
  const scales = parseVerifierScales(p.verifierScales);
  const [scopes, bins] = await Promise.all([
    db.query<TScopeRow>(SCOPE_SQL, [projectId, filter.includeGold]),
    db.query<TBinRow>(BINS_SQL, [projectId, filter.includeGold, filter.task ?? null, filter.subtask ?? null,
      scales.map((s) => s.key), scales.map((s) => s.higherIsBetter)]),
  ]);
  const scopeGroups: TScopeGroup[] = scopes.map((r) => ({ ...r, n: Number(r.n) }));
  const binGroups: TScoreBinGroup[] = bins.map((r) => ({ key: r.key, bin: Number(r.bin), min: Number(r.min), accepted: r.accepted, n: Number(r.n) }));
  return {
    project: { id: p.id, name: p.name, verifierRule: p.verifierRule as TVerifierRule, scales, verifierVersion: p.verifierVersion },
    ...buildCalibrationReport({
      filter,
      scopes: scopeGroups,
      columns: scales.map((s) => ({ key: s.key, label: s.label, short: shortLabel(s), higherIsBetter: s.higherIsBetter })),
      bins: binGroups,
    }),
  };
}
