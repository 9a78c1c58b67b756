import "server-only";
import type { Db } from "../db/connect";
import type { TVerifierRule } from "../quality/settings-schema";
import {
  buildCalibrationReport,
  type TCalibrationFilter,
  type TCalibrationReport,
  type TKeepRule,
  type TOverallGroup,
  type TScopeGroup,
  type TScoreGroup,
} from "./report";

// Verifier calibration against the human consensus. One statement reads a project's final pairs once,
// through the covering partial index pairs_final_verifier_idx, and groups them three ways at once:
//   scope    task, subtask, valid flag, keep-rule verdict, outcome   (every final pair)
//   scores   IF, EC, GQ, outcome                                    (selected pairs)
//   overall  the overall score rounded to 3 significant digits, outcome  (selected pairs)
// so a few thousand rows reach Node whatever the number of pairs; the sums and sweeps are in
// report.ts and math.ts. Rounding to significant digits keeps a bin per distinct value for the usual
// scores (7.25, 0.83) and, unlike width_bucket over the observed range, one stray 1000 cannot
// squash every other score into a single bin. Rounding is monotone, so a bin's lowest score is an
// exact threshold: every score in lower bins is below it. The keep-rule verdict is the consensus's own
// (loupe_verifier_verdict on the scores, lib/quality/sql/consensus.sql), which the planner inlines.
//
// `OFFSET 0` keeps the rounded score a column of a subquery: the planner then estimates its groups
// with the default for a column without statistics instead of the raw score's near-million distinct
// values, and hashes all three grouping sets in one pass. Left to itself it sorted the million rows
// twice and took several times longer.

type TRow = {
  kind: "scope" | "scores" | "overall";
  task: string | null;
  subtask: string | null;
  valid: boolean | null;
  keep: boolean | null;
  accepted: boolean;
  s_if: number | null;
  s_ec: number | null;
  s_gq: number | null;
  bin: number | null;
  min: number | null;
  n: number;
};

const CALIBRATION_SQL = `
    SELECT CASE WHEN GROUPING(task) = 0 THEN 'scope' WHEN GROUPING(s_if) = 0 THEN 'scores' ELSE 'overall' END AS kind,
           task, subtask, valid, keep, accepted, s_if::int AS s_if, s_ec::int AS s_ec, s_gq::int AS s_gq, bin,
           min(o) AS min, count(*)::int AS n
    FROM (
      SELECT p.task, p.subtask, p.verifier_valid AS valid, p.final_decision = 'accept' AS accepted,
             loupe_verifier_verdict('scores', NULL, p.vs_instruction_following, p.vs_editing_consistency, p.vs_generation_quality,
                                    $1::smallint, $2::smallint, $3::smallint) AS keep,
             ($4::text IS NULL OR p.task = $4::text)
               AND ($5::text IS NULL OR p.subtask = $5::text) AS chosen,
             p.vs_instruction_following AS s_if, p.vs_editing_consistency AS s_ec, p.vs_generation_quality AS s_gq,
             p.vs_overall::float8 AS o,
             CASE WHEN p.vs_overall = 0 THEN 0::float8
                  ELSE round(p.vs_overall::float8 * power(10::float8, 2 - floor(log(abs(p.vs_overall::float8)))))
                       / power(10::float8, 2 - floor(log(abs(p.vs_overall::float8)))) END AS bin
      FROM pairs p
      WHERE p.project_id = $6::int AND p.status = 'final' AND ($7::boolean OR NOT p.is_gold)
      OFFSET 0
    ) f
    GROUP BY GROUPING SETS ((task, subtask, valid, keep, accepted), (chosen, s_if, s_ec, s_gq, accepted), (chosen, bin, accepted))
    HAVING GROUPING(chosen) = 1 OR chosen`;

async function loadGroups(db: Db, projectId: number, filter: TCalibrationFilter, rule: TKeepRule): Promise<TRow[]> {
  return db.query<TRow>(CALIBRATION_SQL, [rule.minIf, rule.minEc, rule.minGq, filter.task ?? null, filter.subtask ?? null, projectId, filter.includeGold]);
}

export interface TCalibrationProject {
  id: number;
  name: string;
  verifierRule: TVerifierRule;
  keepRule: TKeepRule;
}

export type TCalibration = TCalibrationReport & { project: TCalibrationProject };

export async function getCalibration(db: Db, projectId: number, filter: TCalibrationFilter): Promise<TCalibration | null> {
  const p = await db.prisma.project.findUnique({
    where: { id: projectId },
    select: { id: true, name: true, verifierRule: true, keepMinIf: true, keepMinEc: true, keepMinGq: true },
  });
  if (!p) return null;
  const rule: TKeepRule = { minIf: p.keepMinIf, minEc: p.keepMinEc, minGq: p.keepMinGq };
  const rows = await loadGroups(db, projectId, filter, rule);
  const scopes: TScopeGroup[] = [];
  const scores: TScoreGroup[] = [];
  const overall: TOverallGroup[] = [];
  for (const r of rows) {
    if (r.kind === "scope") scopes.push({ task: r.task, subtask: r.subtask, valid: r.valid, keep: r.keep, accepted: r.accepted, n: r.n });
    else if (r.kind === "scores") scores.push({ if: r.s_if, ec: r.s_ec, gq: r.s_gq, accepted: r.accepted, n: r.n });
    else overall.push({ bin: r.bin, min: r.min, accepted: r.accepted, n: r.n });
  }
  return {
    project: { id: p.id, name: p.name, verifierRule: p.verifierRule as TVerifierRule, keepRule: rule },
    ...buildCalibrationReport({ filter, scopes, scores, overall }),
  };
}
