// The data browser's bench data (npm run bench:browse): BENCH_PAIRS pairs in one project, made with
// generate_series in chunks. Statuses, decisions, tasks, verifier scores, a second verifier version on a
// tenth of the pairs, gold, labels on a slice and instructions drawn from a small vocabulary, so every
// filter the browser offers has rows to find and rows to skip.
import pg from "pg";
import { seedBase } from "./db";

export const BROWSE_PROJECT = "browse-bench";

const OBJECTS = ["sky", "car", "dog", "cat", "tree", "house", "river", "hat", "shirt", "boat", "mountain", "flower", "road",
  "window", "door", "bird", "horse", "lamp", "chair", "table", "cloud", "sun", "moon", "bridge", "tower"];
const COLOURS = ["purple", "red", "green", "blue", "yellow", "orange", "pink", "black", "white", "golden"];
const VERBS = ["Make", "Turn", "Paint", "Change"];

/** The project id of an already seeded bench project with `pairs` pairs, or null. */
export async function findSeeded(db: pg.Client, pairs: number): Promise<number | null> {
  const p = await db.query<{ id: number }>(`SELECT id FROM projects WHERE name = $1`, [BROWSE_PROJECT]).catch(() => ({ rows: [] }));
  const id = p.rows[0]?.id;
  if (id === undefined) return null;
  const last = await db.query(`SELECT 1 FROM pairs WHERE project_id = $1 AND external_id = $2`, [id, `bench-${pairs}`]);
  return last.rows.length > 0 && (await db.query(`SELECT 1 FROM projects WHERE id = $1 AND guidelines = 'seeded'`, [id])).rows.length > 0 ? id : null;
}

export async function seedBrowse(db: pg.Client, pairs: number, log: (s: string) => void): Promise<{ projectId: number; annotators: number[] }> {
  const base = await seedBase(db, 20);
  await db.query(`UPDATE projects SET name = $1 WHERE id = $2`, [BROWSE_PROJECT, base.projectId]);
  const chunk = 500_000;
  // Row triggers (queue keys, verifier copies, counters) are the import's business, not the browser's:
  // bypassed so ten million rows seed in minutes; the columns they would set are written directly.
  await db.query(`SET session_replication_role = replica`);
  for (let a = 1; a <= pairs; a += chunk) {
    const b = Math.min(pairs, a + chunk - 1);
    // g % 10: 0-5 final, 6 in review, 7 labelled, 8-9 open. One pair in 1,000 is gold.
    await db.query(
      `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, wanted, task, subtask,
                          verifier_scores, verifier_valid, verifier_margin, model_version, status, taken, label_count, final_decision, final_instruction,
                          final_source, finalized_at, is_gold, gold_active, gold_decision, created_at)
       SELECT $1, 'bench-' || g, repeat('a', 64), repeat('b', 64),
              ($4::text[])[1 + g % 4] || ' the ' || ($5::text[])[1 + (g / 4) % 25] || ' ' || ($6::text[])[1 + (g / 100) % 10]
                || ' (' || g || ')',
              1, 'task' || (g % 5), 'sub' || (g % 20),
              jsonb_build_object('instruction_following', 1 + g % 3, 'editing_consistency', 1 + (g / 3) % 3,
                                 'generation_quality', 1 + (g / 9) % 3, 'overall', (g * 7) % 11),
              CASE WHEN g % 5 = 0 THEN NULL ELSE g % 7 < 4 END, CASE WHEN g % 13 = 0 THEN NULL ELSE ((g % 11) - 5) / 5.0 END, 'v1',
              (CASE WHEN g % 1000 = 0 OR g % 10 < 6 THEN 'final' WHEN g % 10 = 6 THEN 'in_review' WHEN g % 10 = 7 THEN 'labelled' ELSE 'open' END)::"PairStatus",
              CASE WHEN g % 10 < 8 THEN 1 ELSE 0 END, CASE WHEN g % 10 < 8 THEN 1 ELSE 0 END,
              CASE WHEN g % 1000 = 0 OR g % 10 < 6 THEN (ARRAY['accept', 'reject', 'recaption'])[1 + (g / 10) % 3]::"Decision" END,
              CASE WHEN g % 1000 = 0 OR g % 10 < 6 THEN 'final instruction ' || g END,
              CASE WHEN g % 1000 = 0 THEN 'gold' WHEN g % 10 < 6 THEN 'consensus' END,
              CASE WHEN g % 1000 = 0 OR g % 10 < 6 THEN timestamptz '2026-01-01' + make_interval(secs => g) END,
              g % 1000 = 0, g % 1000 = 0 AND g % 3000 <> 0,
              CASE WHEN g % 1000 = 0 THEN (ARRAY['accept', 'reject', 'recaption'])[1 + (g / 10) % 3]::"Decision" END,
              timestamptz '2025-06-01' + make_interval(secs => g)
       FROM generate_series($2::int, $3::int) g`,
      [base.projectId, a, b, VERBS, OBJECTS, COLOURS],
    );
    // A second verifier version on every tenth pair.
    await db.query(
      `INSERT INTO pair_verifier_outputs (pair_id, version, scores, valid)
       SELECT p.id, 'v2', jsonb_build_object('overall', (p.id * 13) % 11), p.id % 3 = 0
       FROM pairs p WHERE p.project_id = $1 AND p.id >= (SELECT min(id) FROM pairs WHERE project_id = $1) + $2 - 1
         AND p.id <= (SELECT min(id) FROM pairs WHERE project_id = $1) + $3 - 1 AND p.id % 10 = 0`,
      [base.projectId, a, b],
    );
    log(`  seeded ${b.toLocaleString()} of ${pairs.toLocaleString()} pairs`);
  }
  // Labels on the first 200,000 labelled-or-decided pairs, each by one of the 20 annotators (a direct
  // insert: the label triggers' consensus is not what this bench measures, so they are bypassed).
  await db.query(
    `INSERT INTO labels (pair_id, project_id, annotator_id, decision, seconds_spent, submission_id)
     SELECT p.id, p.project_id, ($2::int[])[1 + p.id % 20], 'accept', 3, gen_random_uuid()
     FROM pairs p WHERE p.project_id = $1 AND p.label_count = 1 AND p.id < (SELECT min(id) + 250000 FROM pairs WHERE project_id = $1)`,
    [base.projectId, base.users.map((u) => u.id)],
  );
  await db.query(`SET session_replication_role = DEFAULT`);
  await db.query(`UPDATE projects SET guidelines = 'seeded' WHERE id = $1`, [base.projectId]);
  log("  vacuum analyze");
  await db.query(`VACUUM ANALYZE pairs, pair_verifier_outputs, labels`);
  return { projectId: base.projectId, annotators: base.users.map((u) => u.id) };
}
