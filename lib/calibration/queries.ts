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

// Verifier calibration against the human consensus, on the project's active verifier version (the copy
// each pair carries). Two statements read a project's final pairs through the covering partial index
// pairs_final_verifier_idx:
//   scope   task, subtask, valid flag, keep-rule verdict, outcome   (every final pair)
//   bins    each declared score column's score rounded to 3 significant digits, outcome  (selected pairs)
// so a few thousand rows reach Node whatever the number of pairs; the sums and sweeps are in
// report.ts and math.ts. Rounding to significant digits keeps a bin per distinct value for the usual
// scores (1-3, 7.25, 0.83) and, unlike width_bucket over the observed range, one stray 1000 cannot
// squash every other score into a single bin. Rounding is monotone, so a bin's lowest score is an
// exact threshold: every score in lower bins is below it. Scores are oriented (negated when lower is
// better) so every sweep keeps what is at or above its threshold. The keep-rule verdict is the stored
// margin's (lib/quality/sql/verifier.sql), the same the consensus reads.
//
// `OFFSET 0` keeps the rounded score a column of a subquery: the planner then estimates its groups
// with the default for a column without statistics instead of the raw score's near-million distinct
// values, and hashes the groups in one pass.

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
    SELECT p.task, p.subtask, p.verifier_valid AS valid, p.verifier_margin >= 0 AS keep,
           p.final_decision = 'accept' AS accepted, count(*)::int AS n
    FROM pairs p
    WHERE p.project_id = $1::int AND p.status = 'final' AND ($2::boolean OR NOT p.is_gold)
    GROUP BY 1, 2, 3, 4, 5`;

// $1 project, $2 include gold, $3 task, $4 subtask, $5 the declared keys, $6 whether each is higher-is-better.
const BINS_SQL = `
    SELECT key, bin, min(o) AS min, accepted, count(*)::int AS n
    FROM (
      SELECT c.key, p.final_decision = 'accept' AS accepted, o,
             CASE WHEN o = 0 THEN 0::float8
                  ELSE round(o * power(10::float8, 2 - floor(log(abs(o))))) / power(10::float8, 2 - floor(log(abs(o)))) END AS bin
      FROM pairs p
      CROSS JOIN unnest($5::text[], $6::boolean[]) AS c(key, higher)
      CROSS JOIN LATERAL (SELECT CASE WHEN c.higher THEN 1 ELSE -1 END * (p.verifier_scores->>c.key)::float8 AS o) s
      WHERE p.project_id = $1::int AND p.status = 'final' AND ($2::boolean OR NOT p.is_gold)
        AND ($3::text IS NULL OR p.task = $3::text) AND ($4::text IS NULL OR p.subtask = $4::text)
        AND jsonb_typeof(p.verifier_scores->c.key) = 'number'
      OFFSET 0
    ) f
    GROUP BY key, bin, accepted`;

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
