import "server-only";
import { randomBytes } from "node:crypto";
import type { Db } from "../db/connect";
import type { SqlRunner } from "../db/sql";
import { InvalidError, NotFoundError } from "../errors";
import { recordAudit } from "../audit/record";
import {
  allocate,
  combineStrata,
  estimateStratum,
  labelsNeeded,
  type TStratumDomain,
} from "./audit-math";
import { describeKeepRule, parseVerifierScales } from "./scales";
import type { TAuditRoundInput } from "./audit-schema";
import type { TAuditEstimateSummary, TAuditRound, TDatasetQuality, TStratumDomainView, TStratumView } from "./audit-types";

export type { TAuditEstimateSummary, TAuditRound, TDatasetQuality, TStratumDomainView, TStratumView } from "./audit-types";

// Audit rounds and the dataset-quality estimate (docs/decisions/025-audit-sample.md).
//
// A round is a simple random sample without replacement of n_h of the N_h regular pairs in each stratum
// (task and subtask, as loupe_queue_stratum groups them). Each pair's sampling key is a hash of its id
// under the round's seed; the n_h smallest keys of a stratum are its sample, and the same key is the
// pair's place in the "audit" queue order, so the sample is served in random order and a partly labelled
// sample is itself a random part of it. The seed carries over between rounds: over the same pool a larger
// round contains the smaller one and its labels count again.
//
// The verdict is read when the estimate is made (the keep rule on the active version's scores, the pair's
// stored margin), so a changed keep rule re-splits the same labels; the domain's size in a stratum is
// estimated from the sample (N_h × sampled in the domain / n_h).

/** Most pairs one round may draw in all. */
export const MAX_AUDIT_SAMPLE = 100_000;

interface TStratumCount {
  stratum: string;
  task: string | null;
  subtask: string | null;
  size: number;
}

// Pairs keyed above this share of the hash range cannot be among a stratum's n_h smallest unless the
// stratum is unlucky; the slack makes that rare, and the draw then widens the cut and tries again.
const CANDIDATES_SQL = `
WITH alloc AS (
  SELECT * FROM unnest($2::text[], $3::int[], $4::int[], $5::float8[]) AS a(stratum, size, take, cut) WHERE take > 0
), cand AS (
  SELECT p.id, a.stratum, a.take, hashint8extended(p.id, $6::bigint) AS k
  FROM pairs p JOIN alloc a ON a.stratum = loupe_queue_stratum(p.task, p.subtask)
  WHERE p.project_id = $1 AND NOT p.is_gold
    AND hashint8extended(p.id, $6::bigint)::float8 / 18446744073709551616.0 + 0.5 < a.cut
), ranked AS (
  SELECT c.*, row_number() OVER (PARTITION BY c.stratum ORDER BY c.k, c.id) AS rn FROM cand c
)
SELECT id::text AS id, stratum, k::text AS k FROM ranked WHERE rn <= take`;

/**
 * Draws a new audit round: counts the project's regular pairs per stratum, allocates the sample, takes the
 * n_h pairs with the smallest keys in each stratum, records them with their inclusion probability, and moves
 * the "audit" queue order onto them. The project row is locked FOR UPDATE, so imports wait for the draw and
 * the counts and the sample see the same pool.
 */
export async function startAuditRound(db: Db, projectId: number, actorId: number | null, input: TAuditRoundInput): Promise<TAuditRound> {
  return db.transaction(async (tx) => {
    const locked = await tx.query<{ id: number }>(`SELECT id FROM projects WHERE id = $1 FOR UPDATE`, [projectId]);
    if (!locked[0]) throw new NotFoundError("Project not found.");
    const [prev] = await tx.query<{ round: number; seed: string }>(
      `SELECT round, seed::text AS seed FROM audit_rounds WHERE project_id = $1 ORDER BY round DESC LIMIT 1`,
      [projectId],
    );
    const counts = (
      await tx.query<{ stratum: string; task: string | null; subtask: string | null; size: number }>(
        `SELECT loupe_queue_stratum(task, subtask) AS stratum, max(task) AS task, max(subtask) AS subtask, count(*)::int AS size
         FROM pairs WHERE project_id = $1 AND NOT is_gold GROUP BY 1 ORDER BY 1`,
        [projectId],
      )
    ).map((r): TStratumCount => ({ ...r, size: Number(r.size) }));
    const frameSize = counts.reduce((s, c) => s + c.size, 0);
    if (frameSize === 0) throw new InvalidError("The project has no pairs to sample yet.");
    const takes = allocate(counts.map((c) => c.size), input.size, input.allocation);
    const total = takes.reduce((s, n) => s + n, 0);
    if (total > MAX_AUDIT_SAMPLE) {
      throw new InvalidError(`That draws ${total.toLocaleString("en")} pairs; a round draws at most ${MAX_AUDIT_SAMPLE.toLocaleString("en")}.`);
    }
    const seed = prev?.seed ?? BigInt.asIntN(64, randomBytes(8).readBigUInt64BE()).toString();

    let chosen: { id: string; stratum: string; k: string }[] = [];
    for (let factor = 1.5; ; factor *= 4) {
      const cuts = counts.map((c, i) => (c.size === 0 ? 0 : Math.min(1, (factor * takes[i]!) / c.size + 20 / c.size)));
      chosen = await tx.query(CANDIDATES_SQL, [projectId, counts.map((c) => c.stratum), counts.map((c) => c.size), takes, cuts, seed]);
      const got = new Map<string, number>();
      for (const r of chosen) got.set(r.stratum, (got.get(r.stratum) ?? 0) + 1);
      if (counts.every((c, i) => (got.get(c.stratum) ?? 0) === takes[i] || cuts[i] === 1)) break;
    }

    const round = (prev?.round ?? 0) + 1;
    const [drawn] = await tx.query<{ drawn_at: Date | string }>(
      `INSERT INTO audit_rounds (project_id, round, allocation, requested, seed, frame_size, sample_size)
       VALUES ($1, $2, $3, $4, $5::bigint, $6, $7) RETURNING drawn_at`,
      [projectId, round, input.allocation, input.size, seed, frameSize, chosen.length],
    );
    const byStratum = new Map(counts.map((c, i) => [c.stratum, { ...c, take: takes[i]! }]));
    await tx.query(
      `INSERT INTO audit_samples (project_id, round, pair_id, task, subtask, stratum_size, sample_size, probability, drawn_at)
       SELECT $1, $2, s.pair_id, s.task, s.subtask, s.size, s.take, s.take::float8 / s.size, $8
       FROM unnest($3::bigint[], $4::text[], $5::text[], $6::int[], $7::int[]) AS s(pair_id, task, subtask, size, take)`,
      [
        projectId,
        round,
        chosen.map((r) => r.id),
        chosen.map((r) => byStratum.get(r.stratum)!.task),
        chosen.map((r) => byStratum.get(r.stratum)!.subtask),
        chosen.map((r) => byStratum.get(r.stratum)!.size),
        chosen.map((r) => byStratum.get(r.stratum)!.take),
        drawn!.drawn_at,
      ],
    );
    // The previous round's pairs leave the audit order; the new round's take their keys.
    if (prev) {
      await tx.query(
        `UPDATE pairs p SET queue_audit = NULL FROM audit_samples s
         WHERE s.project_id = $1 AND s.round = $2 AND p.id = s.pair_id AND p.queue_audit IS NOT NULL`,
        [projectId, prev.round],
      );
    }
    await tx.query(
      `UPDATE pairs p SET queue_audit = s.k FROM unnest($2::bigint[], $3::bigint[]) AS s(id, k) WHERE p.id = s.id AND p.project_id = $1`,
      [projectId, chosen.map((r) => r.id), chosen.map((r) => r.k)],
    );
    await recordAudit(tx, {
      actorId,
      action: "project.audit_round",
      subjectType: "project",
      subjectId: String(projectId),
      data: { round, allocation: input.allocation, requested: input.size, frameSize, sampleSize: chosen.length },
    });
    return {
      round,
      allocation: input.allocation,
      requested: input.size,
      frameSize,
      sampleSize: chosen.length,
      drawnAt: new Date(drawn!.drawn_at).toISOString(),
    };
  });
}

interface TStratumRow {
  task: string | null;
  subtask: string | null;
  stratum: string;
  stratum_size: number;
  sample_size: number;
  sampled: number;
  kept: number;
  kept_labelled: number;
  kept_accepted: number;
  dropped: number;
  dropped_labelled: number;
  dropped_accepted: number;
  no_verdict: number;
  labelled: number;
}

// "People accept": the pair's final decision (consensus or review) is accept; a reject or a re-caption is not.
const STRATA_SQL = `
SELECT s.task, s.subtask, loupe_queue_stratum(s.task, s.subtask) AS stratum, max(s.stratum_size) AS stratum_size,
       max(s.sample_size) AS sample_size, count(*)::int AS sampled,
       (count(*) FILTER (WHERE p.verifier_margin >= 0))::int AS kept,
       (count(*) FILTER (WHERE p.verifier_margin >= 0 AND p.final_decision IS NOT NULL))::int AS kept_labelled,
       (count(*) FILTER (WHERE p.verifier_margin >= 0 AND p.final_decision = 'accept'))::int AS kept_accepted,
       (count(*) FILTER (WHERE p.verifier_margin < 0))::int AS dropped,
       (count(*) FILTER (WHERE p.verifier_margin < 0 AND p.final_decision IS NOT NULL))::int AS dropped_labelled,
       (count(*) FILTER (WHERE p.verifier_margin < 0 AND p.final_decision = 'accept'))::int AS dropped_accepted,
       (count(*) FILTER (WHERE p.verifier_margin IS NULL))::int AS no_verdict,
       (count(*) FILTER (WHERE p.final_decision IS NOT NULL))::int AS labelled
FROM audit_samples s JOIN pairs p ON p.id = s.pair_id
WHERE s.project_id = $1 AND s.round = $2
GROUP BY s.task, s.subtask
ORDER BY s.task NULLS FIRST, s.subtask NULLS FIRST`;

async function latestRound(runner: SqlRunner, projectId: number): Promise<TAuditRound | null> {
  const [r] = await runner.query<{ round: number; allocation: string; requested: number; frame_size: number; sample_size: number; drawn_at: Date | string }>(
    `SELECT round, allocation, requested, frame_size, sample_size, drawn_at FROM audit_rounds
     WHERE project_id = $1 ORDER BY round DESC LIMIT 1`,
    [projectId],
  );
  if (!r) return null;
  return {
    round: Number(r.round),
    allocation: r.allocation === "equal" ? "equal" : "proportional",
    requested: Number(r.requested),
    frameSize: Number(r.frame_size),
    sampleSize: Number(r.sample_size),
    drawnAt: new Date(r.drawn_at).toISOString(),
  };
}

function domain(r: TStratumRow, which: "kept" | "dropped"): TStratumDomain {
  return {
    stratumSize: Number(r.stratum_size),
    sampled: Number(r.sampled),
    inDomain: Number(r[which]),
    labelled: Number(r[`${which}_labelled`]),
    accepted: Number(r[`${which}_accepted`]),
  };
}

function domainView(d: TStratumDomain, width: number | null): TStratumDomainView {
  return { ...estimateStratum(d), sampled: d.inDomain, needed: width === null ? null : labelsNeeded(d, width) };
}

/** Each stratum of a round: its sample, the kept and dropped domains' estimates and what they need for the width. */
async function readStrata(runner: SqlRunner, projectId: number, round: number, width: number | null): Promise<TStratumView[]> {
  const rows = await runner.query<TStratumRow>(STRATA_SQL, [projectId, round]);
  return rows.map((r) => {
    const keep = domainView(domain(r, "kept"), width);
    const drop = domainView(domain(r, "dropped"), width);
    // A domain the stratum's sample has no pair of asks for nothing: it holds (an estimated) none.
    const asks = [keep, drop].filter((d) => d.sampled > 0).map((d) => d.needed);
    const unknown = asks.some((n) => n === null || n.domainLabels === null || (n.domainLabels > 0 && n.auditLabels === null));
    const moreLabels = width === null || unknown ? null : Math.max(0, ...asks.map((n) => n!.auditLabels ?? 0));
    return {
      task: r.task,
      subtask: r.subtask,
      stratumSize: Number(r.stratum_size),
      sampled: Number(r.sampled),
      probability: Number(r.sample_size) / Math.max(1, Number(r.stratum_size)),
      labelled: Number(r.labelled),
      noVerdict: Number(r.no_verdict),
      keep,
      drop,
      moreLabels,
    };
  });
}

/** The Dataset quality page and its JSON: the latest round's estimates per stratum and combined. */
export async function getDatasetQuality(db: Db, projectId: number, width: number | null): Promise<TDatasetQuality | null> {
  const [p] = await db.query<{ id: number; name: string; verifier_scales: unknown; queue_order: string }>(
    `SELECT id, name, verifier_scales, queue_order FROM projects WHERE id = $1`,
    [projectId],
  );
  if (!p) return null;
  const project = { id: p.id, name: p.name, keepRule: describeKeepRule(parseVerifierScales(p.verifier_scales)), queueOrder: p.queue_order };
  const round = await latestRound(db, projectId);
  if (!round) return { project, round: null, width, strata: [], keep: null, drop: null, labelled: 0, sampled: 0 };
  const strata = await readStrata(db, projectId, round.round, width);
  return {
    project,
    round,
    width,
    strata,
    keep: combineStrata(strata.map((s) => s.keep)),
    drop: combineStrata(strata.map((s) => s.drop)),
    labelled: strata.reduce((s, x) => s + x.labelled, 0),
    sampled: strata.reduce((s, x) => s + x.sampled, 0),
  };
}

export const ESTIMATE_METHOD =
  "Uniform random sample within task/subtask strata (audit round); per stratum the share people accept among the sampled pairs the verifier keeps (drops) that have a final decision; strata combined by their estimated number of kept (dropped) pairs; 95% Wilson interval at Kish's effective sample size (docs/decisions/025-audit-sample.md).";

/**
 * The estimate for the strata an export covers: those whose subtask is among `subtasks` (null for pairs
 * without one) and, when the export names tasks, whose task is among them. Null without a round.
 */
export async function estimateForStrata(
  runner: SqlRunner,
  projectId: number,
  cover: { subtasks: readonly (string | null)[]; tasks?: readonly string[] },
): Promise<TAuditEstimateSummary | null> {
  const round = await latestRound(runner, projectId);
  if (!round) return null;
  const wanted = new Set(cover.subtasks.map((s) => s ?? ""));
  const tasks = cover.tasks ? new Set(cover.tasks) : null;
  const strata = (await readStrata(runner, projectId, round.round, null)).filter(
    (s) => wanted.has(s.subtask ?? "") && (tasks === null || (s.task !== null && tasks.has(s.task))),
  );
  return {
    round: round.round,
    drawnAt: round.drawnAt,
    strata: strata.map((s) => ({ task: s.task, subtask: s.subtask })),
    sampleSize: strata.reduce((s, x) => s + x.sampled, 0),
    labelled: strata.reduce((s, x) => s + x.labelled, 0),
    keep: combineStrata(strata.map((s) => s.keep)),
    drop: combineStrata(strata.map((s) => s.drop)),
    method: ESTIMATE_METHOD,
  };
}
