import type { Db } from "@/lib/db/connect";
import { DEFAULT_REJECT_REASONS } from "@/lib/projects/reasons";

// A project whose final pairs cover every field an export writes and every filter narrows on, plus open and
// in-review pairs an export must skip. Pairs are written final directly, so every expected value is known
// here and the tests compare against `expected`.

export interface TSeededPair {
  externalId: string;
  decision: "accept" | "reject" | "recaption";
  source: "consensus" | "review" | "gold";
  agreement: number | null;
  task: string;
  subtask: string | null;
  finalizedAt: string;
  isGold: boolean;
  labels: number;
}

export interface TSeeded {
  projectId: number;
  annotators: number[];
  reviewer: number;
  final: TSeededPair[];
  /** Pairs that are not final (never exported). */
  notFinal: number;
}

const sha = (n: number) => n.toString(16).padStart(64, "0");
export const STORED_IMAGES = [sha(1), sha(2), sha(3), sha(4)];
const SUBTASKS = ["addition", "removal", "style_transfer", "color"];

function day(i: number): string {
  return new Date(Date.UTC(2026, 0, 1 + i, 9, 30, 0, 250)).toISOString();
}

export async function seedExportProject(db: Db, opts: { pairs?: number; name?: string } = {}): Promise<TSeeded> {
  const n = opts.pairs ?? 40;
  const r = db;
  const [project] = await r.query<{ id: number }>(
    "INSERT INTO projects (name, overlap, reject_reasons) VALUES ($1, 2, $2::jsonb) RETURNING id",
    [opts.name ?? `exp-${Math.random().toString(36).slice(2, 9)}`, JSON.stringify(DEFAULT_REJECT_REASONS)],
  );
  const projectId = project!.id;
  const users = await r.query<{ id: number }>(
    `INSERT INTO users (email, name, password_hash, role)
     SELECT 'exp-' || g || '-' || $1 || '@test.local', 'exp ' || g, 'x', CASE WHEN g = 3 THEN 'reviewer' ELSE 'annotator' END::"Role"
       FROM generate_series(0, 3) g RETURNING id`,
    [projectId],
  );
  const annotators = users.slice(0, 3).map((u) => u.id);
  const reviewer = users[3]!.id;
  await r.query(
    `INSERT INTO images (sha256, mime, width, height, byte_size) SELECT s, 'image/png', 64 + i, 32 + i, 100 * i
       FROM unnest($1::text[]) WITH ORDINALITY u(s, i) ON CONFLICT DO NOTHING`,
    [STORED_IMAGES],
  );

  const final: TSeededPair[] = [];
  for (let i = 0; i < n; i++) {
    const decision = (["accept", "reject", "recaption"] as const)[i % 3]!;
    const reviewed = i % 5 === 0;
    const externalId = i === 1 ? `ex-ü-"quoted"\\-1` : `ex-${i}`;
    const task = i % 2 === 0 ? "object" : "global";
    const subtask = i % 7 === 6 ? null : SUBTASKS[i % 4]!;
    const finalReasons = decision === "reject" ? (i === 4 ? ["artifacts", "retired_code"] : ["artifacts", "extra_change"]) : [];
    const finalInstruction = decision === "recaption" ? `re-caption ${i}: "say it"\nplainly` : null;
    const [pair] = await r.query<{ id: string }>(
      `INSERT INTO pairs (project_id, external_id, source_image, edited_image, mask_image, instruction, instruction_cn, task, subtask,
                          verifier_valid, verifier_failure_class, verifier_recaption, verifier_scores, model_version, metadata,
                          status, final_decision, final_instruction, final_reasons, final_source, finalized_at, agreement,
                          review_reasons, reviewed_by, reviewed_at, review_note, wanted)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14, $15::jsonb,
               'final', $16::"Decision", coalesce($17, $6), $18::text[], $19, $20::timestamptz, $21,
               $22::text[], $23, $24::timestamptz, $25, 3)
       RETURNING id::text`,
      [
        projectId, externalId, STORED_IMAGES[i % 2], i === 3 ? sha(999) : STORED_IMAGES[2 + (i % 2)], i % 4 === 0 ? STORED_IMAGES[3] : null,
        `instruction ${i}`, i % 6 === 0 ? `指令 ${i}` : null, task, subtask,
        i % 3 === 0 ? null : i % 2 === 0, i % 3 === 1 ? "Hallucination" : null, i % 4 === 1 ? `verifier says ${i}` : null,
        i % 4 === 2 ? JSON.stringify({ overall: 0.1 * (i % 10) }) : null, "qwen-verify-1", JSON.stringify({ i, tag: `t${i % 3}`, nested: { ok: true } }),
        decision, finalInstruction, finalReasons, reviewed ? "review" : "consensus", day(i), reviewed ? 0.5 : 1,
        reviewed ? ["decision"] : [], reviewed ? reviewer : null, reviewed ? day(i) : null, reviewed ? `note ${i}` : null,
      ],
    );
    const labelCount = i % 9 === 8 ? 3 : 2;
    for (let a = 0; a < labelCount; a++) {
      // A reviewed pair's annotators disagreed; a consensus pair's agreed with the final decision.
      const d = reviewed ? (a === 0 ? "accept" : "reject") : decision;
      await r.query(
        `INSERT INTO labels (pair_id, project_id, annotator_id, decision, reasons, recaption, seconds_spent, submission_id, created_at)
         VALUES ($1, $2, $3, $4::"Decision", $5::text[], $6, $7, gen_random_uuid(), $8::timestamptz)`,
        [pair!.id, projectId, annotators[a], d, d === "reject" ? (a === 0 ? ["artifacts"] : ["artifacts", "extra_change"]) : [],
          d === "recaption" ? (finalInstruction ?? "x") : null, 2.5 + a, day(i)],
      );
    }
    final.push({ externalId, decision, source: reviewed ? "review" : "consensus", agreement: reviewed ? 0.5 : 1, task, subtask,
      finalizedAt: day(i), isGold: false, labels: labelCount });
  }
  // Gold pairs: final from the start with the known answer, as an import writes them.
  for (let g = 0; g < 3; g++) {
    const externalId = `gold-${g}`;
    await r.query(
      `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, task, subtask, is_gold, gold_active,
                          gold_decision, status, final_decision, final_instruction, final_source, finalized_at, wanted)
       VALUES ($1, $2, $3, $3, 'gold instruction', 'object', 'addition', true, true, 'accept', 'final', 'accept',
               'gold instruction', 'gold', $4::timestamptz, 1)`,
      [projectId, externalId, STORED_IMAGES[0], new Date(Date.UTC(2026, 2, 1 + g)).toISOString()],
    );
    final.push({ externalId, decision: "accept", source: "gold", agreement: null, task: "object", subtask: "addition",
      finalizedAt: new Date(Date.UTC(2026, 2, 1 + g)).toISOString(), isGold: true, labels: 0 });
  }
  await r.query(
    `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, task, subtask, wanted)
     SELECT $1, 'open-' || g, $2, $2, 'open', 'object', 'addition', 2 FROM generate_series(0, 2) g`,
    [projectId, STORED_IMAGES[0]],
  );
  await r.query(
    `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, task, subtask, wanted, status, review_reasons, routed_at)
     SELECT $1, 'review-' || g, $2, $2, 'in review', 'object', 'addition', 2, 'in_review', ARRAY['decision'], now() FROM generate_series(0, 1) g`,
    [projectId, STORED_IMAGES[0]],
  );
  return { projectId, annotators, reviewer, final, notFinal: 5 };
}
