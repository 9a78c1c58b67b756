import "server-only";
import type { Db } from "../db/connect";
import type { TInt8 } from "../db/sql";
import { NotFoundError } from "../errors";
import { toPairView, type TPairViewRow } from "../queue/pair-view";
import type { TPairView } from "../queue/types";

// One pair's page in the data browser: its images, every label, the adjudication, gold, the verifier's
// outputs and the audit trail. Scoped by the project in the URL: another project's pair is not found.

export const PAIR_AUDIT_LIMIT = 100;

export interface TPairDetail {
  id: string;
  projectId: number;
  externalId: string;
  instruction: string;
  task: string | null;
  subtask: string | null;
  status: string;
  wanted: number;
  labelCount: number;
  createdAt: Date;
  view: TPairView;
  final: { decision: string; instruction: string | null; reasons: string[]; source: string | null; at: Date | null; agreement: number | null } | null;
  review: { reasons: string[]; routedAt: Date | null; reviewer: string | null; at: Date | null; note: string | null };
  gold: { active: boolean; decision: string | null; reasons: string[]; instruction: string | null } | null;
  verifierMargin: number | null;
  labels: { id: string; annotator: string; decision: string; reasons: string[]; recaption: string | null; seconds: number; at: Date; goldCorrect: boolean | null }[];
  outputs: { version: string; scores: unknown; valid: boolean | null; failureClass: string | null; recaption: string | null; active: boolean }[];
  audit: { id: string; at: Date; actorId: number | null; actor: string | null; action: string; data: unknown }[];
}

type PairRow = TPairViewRow & {
  id: TInt8;
  project_id: number;
  external_id: string;
  instruction: string;
  task: string | null;
  subtask: string | null;
  status: string;
  wanted: number;
  label_count: number;
  created_at: Date;
  final_decision: string | null;
  final_instruction: string | null;
  final_reasons: string[] | null;
  final_source: string | null;
  finalized_at: Date | null;
  agreement: number | null;
  review_reasons: string[] | null;
  routed_at: Date | null;
  reviewer_name: string | null;
  reviewed_at: Date | null;
  review_note: string | null;
  is_gold: boolean;
  gold_active: boolean;
  gold_decision: string | null;
  gold_reasons: string[] | null;
  gold_instruction: string | null;
  verifier_margin: number | null;
  model_version: string | null;
};

export async function getPairDetail(db: Db, projectId: number, pairId: bigint): Promise<TPairDetail> {
  const [p] = await db.query<PairRow>(
    `SELECT p.id, p.project_id, p.external_id, p.instruction, p.task, p.subtask, p.status::text AS status, p.wanted::int AS wanted,
            p.label_count::int AS label_count, p.created_at, p.source_image, p.edited_image, p.mask_image, p.reference_image,
            p.source_preview, p.edited_preview, p.heatmap_image, p.change_fraction, p.ssim, p.change_outside_mask,
            EXISTS (SELECT 1 FROM pair_derivatives d WHERE d.pair_id = p.id) AS derivatives_pending, p.session_id, p.turn,
            p.final_decision::text AS final_decision, p.final_instruction, p.final_reasons, p.final_source, p.finalized_at, p.agreement,
            p.review_reasons, p.routed_at, r.name AS reviewer_name, p.reviewed_at, p.review_note,
            p.is_gold, p.gold_active, p.gold_decision::text AS gold_decision, p.gold_reasons, p.gold_instruction,
            p.verifier_margin, p.model_version
     FROM pairs p LEFT JOIN users r ON r.id = p.reviewed_by
     WHERE p.id = $1 AND p.project_id = $2`,
    [pairId, projectId],
  );
  if (!p) throw new NotFoundError("Pair not found in this project.");
  const [labels, outputs, audit, active] = await Promise.all([
    db.query<{ id: string; name: string | null; decision: string; reasons: string[]; recaption: string | null; seconds_spent: number; created_at: Date; gold_correct: boolean | null }>(
      `SELECT b.id::text AS id, u.name, b.decision::text AS decision, b.reasons, b.recaption, b.seconds_spent, b.created_at, b.gold_correct
       FROM labels b LEFT JOIN users u ON u.id = b.annotator_id WHERE b.pair_id = $1 ORDER BY b.created_at, b.id`,
      [pairId],
    ),
    db.query<{ version: string; scores: unknown; valid: boolean | null; failure_class: string | null; recaption: string | null }>(
      `SELECT version, scores, valid, failure_class, recaption FROM pair_verifier_outputs WHERE pair_id = $1 ORDER BY version`,
      [pairId],
    ),
    db.query<{ id: string; created_at: Date; name: string | null; actor_id: number | null; action: string; data: unknown }>(
      `SELECT a.id::text AS id, a.created_at, u.name, a.actor_id, a.action, a.data
       FROM audit_events a LEFT JOIN users u ON u.id = a.actor_id
       WHERE a.subject_type = 'pair' AND a.subject_id = $1 ORDER BY a.id DESC LIMIT $2`,
      [String(pairId), PAIR_AUDIT_LIMIT],
    ),
    db.query<{ verifier_version: string | null }>(`SELECT verifier_version FROM projects WHERE id = $1`, [projectId]),
  ]);
  const activeVersion = active[0]?.verifier_version ?? p.model_version ?? null;
  const num = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: String(p.id),
    projectId: p.project_id,
    externalId: p.external_id,
    instruction: p.instruction,
    task: p.task,
    subtask: p.subtask,
    status: p.status,
    wanted: Number(p.wanted),
    labelCount: Number(p.label_count),
    createdAt: new Date(p.created_at),
    view: toPairView(p),
    final: p.final_decision
      ? {
          decision: p.final_decision,
          instruction: p.final_instruction,
          reasons: p.final_reasons ?? [],
          source: p.final_source,
          at: p.finalized_at ? new Date(p.finalized_at) : null,
          agreement: num(p.agreement),
        }
      : null,
    review: {
      reasons: p.review_reasons ?? [],
      routedAt: p.routed_at ? new Date(p.routed_at) : null,
      reviewer: p.reviewer_name,
      at: p.reviewed_at ? new Date(p.reviewed_at) : null,
      note: p.review_note,
    },
    gold: p.is_gold ? { active: p.gold_active, decision: p.gold_decision, reasons: p.gold_reasons ?? [], instruction: p.gold_instruction } : null,
    verifierMargin: num(p.verifier_margin),
    labels: labels.map((l) => ({
      id: l.id,
      annotator: l.name ?? "a deleted user",
      decision: l.decision,
      reasons: l.reasons ?? [],
      recaption: l.recaption,
      seconds: Number(l.seconds_spent),
      at: new Date(l.created_at),
      goldCorrect: l.gold_correct,
    })),
    outputs: outputs.map((o) => ({
      version: o.version,
      scores: o.scores,
      valid: o.valid,
      failureClass: o.failure_class,
      recaption: o.recaption,
      active: activeVersion !== null ? o.version === activeVersion : outputs.length === 1,
    })),
    audit: audit.map((a) => ({ id: a.id, at: new Date(a.created_at), actorId: a.actor_id, actor: a.actor_id === null ? null : (a.name ?? `user #${a.actor_id}`), action: a.action, data: a.data })),
  };
}
