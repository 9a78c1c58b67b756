// Seeding for bench:export: final pairs with two labels each, by generate_series in chunks. The label
// triggers are switched off for the label insert (session_replication_role = replica; the bench database
// is ours) because the pairs are written already final; what the export reads is the same either way.
import pg from "pg";

const TASKS = ["add", "remove", "replace", "style", "background", "text", "count", "action"];
const SUBTASKS = 24;

export async function seedImages(db: pg.Client): Promise<void> {
  await db.query(
    `INSERT INTO images (sha256, mime, width, height, byte_size)
     VALUES (repeat('a', 64), 'image/png', 1024, 768, 812345), (repeat('b', 64), 'image/png', 1024, 768, 798123)
     ON CONFLICT DO NOTHING`,
  );
}

export async function addFinalPairs(db: pg.Client, projectId: number, from: number, to: number, annotators: [number, number], chunk = 100_000): Promise<void> {
  for (let a = from + 1; a <= to; a += chunk) {
    const b = Math.min(to, a + chunk - 1);
    // Decisions: 70% accept, 15% reject (two reasons), 15% re-caption; verifier scores and flags vary
    // so every field of a canonical line is filled the way a real export's would be.
    await db.query(
      `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, task, subtask,
                          verifier_scores, verifier_valid, verifier_failure_class, model_version, metadata,
                          status, final_decision, final_instruction, final_reasons, final_source, finalized_at,
                          agreement, wanted, taken, label_count)
       SELECT $1, 'bench-' || g, repeat('a', 64), repeat('b', 64),
              'Replace the red umbrella with a blue one and keep the street unchanged (' || g || ')',
              ($4::text[])[1 + g % 8], ($4::text[])[1 + g % 8] || '_' || (g % ${SUBTASKS}),
              jsonb_build_object('instruction_following', 1 + g % 3, 'editing_consistency', 1 + (g / 3) % 3,
                                 'generation_quality', 1 + (g / 9) % 3, 'overall', round((g % 100) / 20.0, 2)),
              (g % 4 <> 0), CASE WHEN g % 4 = 0 THEN 'instruction_not_followed' END, 'bench-model-v1',
              jsonb_build_object('seed', g % 1000, 'source', 'bench'),
              'final', d.decision,
              CASE WHEN d.decision = 'recaption' THEN 'Swap the red umbrella for a navy one (' || g || ')'
                   ELSE 'Replace the red umbrella with a blue one and keep the street unchanged (' || g || ')' END,
              CASE WHEN d.decision = 'reject' THEN ARRAY['instruction_not_followed', 'artifacts'] ELSE '{}'::text[] END,
              CASE WHEN g % 20 = 0 THEN 'review' ELSE 'consensus' END,
              now() - make_interval(secs => ($3::int - g)),
              CASE WHEN g % 20 = 0 THEN 0.5 ELSE 1 END, 2, 2, 2
       FROM generate_series($2::int, $3::int) g,
            LATERAL (SELECT (CASE WHEN g % 20 < 14 THEN 'accept' WHEN g % 20 < 17 THEN 'reject' ELSE 'recaption' END)::"Decision" AS decision) d`,
      [projectId, a, b, TASKS],
    );
  }
  await db.query("BEGIN");
  await db.query("SET LOCAL session_replication_role = replica");
  await db.query(
    `INSERT INTO labels (pair_id, project_id, annotator_id, decision, reasons, recaption, seconds_spent, submission_id, created_at)
     SELECT p.id, p.project_id, a.annotator, p.final_decision, p.final_reasons,
            CASE WHEN p.final_decision = 'recaption' THEN p.final_instruction END,
            4 + (p.id % 17), gen_random_uuid(), p.finalized_at - interval '1 minute'
     FROM pairs p, unnest($2::int[]) a(annotator)
     WHERE p.project_id = $1 AND p.status = 'final'`,
    [projectId, annotators],
  );
  await db.query("COMMIT");
}
