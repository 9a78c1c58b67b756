// Seeding for bench:pages: one project in progress, written in SQL with generate_series so 10M pairs take
// minutes, on either engine (a pg.Client or a PGlite instance: both answer query(sql, params)).
//
// The project has overlap 2 and, per ten pairs by external id: five final by consensus (two agreeing labels),
// one final by review (two disagreeing labels, adjudicated), one in review (two disagreeing labels), two open
// with one label and one untouched: 60% final, 1.6 labels a pair, 20 annotators. 1% of the pairs are active
// gold (final, both labels scored). Every pair has verifier scores (the insert trigger files them as version v1's output), every label
// a `label.create` audit row, every adjudication a `review.adjudicate` one; times spread over 30 days.
//
// Pairs go in with their triggers on (queue keys, strata ranks, the project counters see each row as it
// is). Labels and audit rows go in with triggers off (session_replication_role = replica,
// the bench database is ours): the pairs are written already settled, and the label triggers would settle
// them again. Whatever the triggers keep from labels is then rebuilt by recountKeptAggregates().
import type { PGlite } from "@electric-sql/pglite";
import type pg from "pg";

export type SeedDb = pg.Client | PGlite;

async function q(db: SeedDb, sql: string, params: unknown[] = []): Promise<{ rows: Record<string, unknown>[] }> {
  return (await (db as pg.Client).query(sql, params)) as unknown as { rows: Record<string, unknown>[] };
}

export const PAGES_ANNOTATORS = 20;
export const PAGES_PASSWORD = "bench-password-not-secret";
const TASKS = ["add", "remove", "replace", "style", "background"];

export interface PagesProject {
  projectId: number;
  adminEmail: string;
  reviewerEmail: string;
  annotatorEmail: string;
}

/** The project bench:pages seeded in this database, if its seeding finished. */
export async function findSeeded(db: SeedDb): Promise<PagesProject | null> {
  const t = await q(db, `SELECT to_regclass('bench_pages_seeded') IS NOT NULL AS ok`);
  if (!t.rows[0]?.ok) return null;
  const r = await q(db, `SELECT project_id FROM bench_pages_seeded WHERE finished_at IS NOT NULL`);
  if (!r.rows[0]) return null;
  return { projectId: Number(r.rows[0].project_id), ...EMAILS };
}

const EMAILS = { adminEmail: "admin@bench.local", reviewerEmail: "reviewer@bench.local", annotatorEmail: "annotator1@bench.local" };

/** Seeds `pairs` pairs into a migrated, empty database; `progress` hears after each chunk. */
/** A seeding that stopped half-way (its process killed): the project and the pairs whose chunks committed. */
export async function findUnfinished(db: SeedDb): Promise<{ projectId: number; done: number } | null> {
  const t = await q(db, `SELECT to_regclass('bench_pages_seeded') IS NOT NULL AS ok`);
  if (!t.rows[0]?.ok) return null;
  const r = await q(db, `SELECT project_id FROM bench_pages_seeded WHERE finished_at IS NULL`);
  if (!r.rows[0]) return null;
  const projectId = Number(r.rows[0].project_id);
  // A chunk's pairs commit before its labels: pairs past the last label-bearing chunk are rewritten.
  const d = await q(db, `SELECT coalesce(max(substr(p.external_id, 7)::int), 0) AS done FROM labels l JOIN pairs p ON p.id = l.pair_id
                         WHERE l.project_id = $1 AND l.pair_id = (SELECT max(pair_id) FROM labels WHERE project_id = $1)`, [projectId]);
  return { projectId, done: Number(d.rows[0]!.done) };
}

export async function seedPagesProject(
  db: SeedDb,
  pairs: number,
  passwordHash: string,
  progress: (done: number) => void = () => {},
  chunk = 250_000,
): Promise<PagesProject> {
  const unfinished = await findUnfinished(db);
  if (unfinished) return seedChunks(db, unfinished.projectId, pairs, unfinished.done, progress, chunk);
  const [p] = (
    await q(
      db,
      `INSERT INTO projects (name, overlap, lease_seconds, reject_reasons, gold_rate, updated_at)
       VALUES ('bench pages', 2, 600, $1::jsonb, 0.02, now()) RETURNING id`,
      [JSON.stringify([{ key: "artifacts", label: "Artifacts" }, { key: "instruction_not_followed", label: "Instruction not followed" }])],
    )
  ).rows;
  const projectId = Number(p!.id);
  await q(
    db,
    `INSERT INTO users (email, name, password_hash, role, updated_at)
     SELECT e, n, $1, r::"Role", now() FROM (VALUES ('admin@bench.local', 'Admin', 'admin'), ('reviewer@bench.local', 'Reviewer', 'reviewer')) v(e, n, r)`,
    [passwordHash],
  );
  await q(
    db,
    `INSERT INTO users (email, name, password_hash, role, updated_at)
     SELECT 'annotator' || g || '@bench.local', 'Annotator ' || g, $1, 'annotator', now() FROM generate_series(1, $2::int) g`,
    [passwordHash, PAGES_ANNOTATORS],
  );
  await q(db, `INSERT INTO project_annotators (project_id, user_id) SELECT $1, id FROM users WHERE email LIKE 'annotator%@bench.local'`, [projectId]);
  await q(db, `CREATE TABLE IF NOT EXISTS bench_pages_seeded (project_id int, pairs bigint, finished_at timestamptz)`);
  await q(db, `INSERT INTO bench_pages_seeded (project_id, pairs) VALUES ($1, $2)`, [projectId, pairs]);
  return seedChunks(db, projectId, pairs, 0, progress, chunk);
}

/** Writes pairs done+1 … pairs in chunks (a killed seeding continues from its last whole chunk), then recounts. */
async function seedChunks(db: SeedDb, projectId: number, pairs: number, done: number, progress: (done: number) => void, chunk: number): Promise<PagesProject> {
  const ids = await q(db, `SELECT id, email FROM users WHERE email LIKE '%@bench.local' ORDER BY id`);
  const annotators = ids.rows.filter((r) => String(r.email).startsWith("annotator")).map((r) => Number(r.id));
  const reviewer = Number(ids.rows.find((r) => r.email === "reviewer@bench.local")!.id);
  await q(db, `DELETE FROM pairs WHERE project_id = $1 AND substr(external_id, 7)::int > $2`, [projectId, done]);
  const span = 30 * 86_400; // seconds of history
  for (let a = done + 1; a <= pairs; a += chunk) {
    const b = Math.min(pairs, a + chunk - 1);
    // k = g % 10: 0-4 consensus final, 5 reviewed final, 6 in review, 7-8 one label, 9 untouched.
    await q(
      db,
      `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, task, subtask,
                          verifier_scores, verifier_valid, verifier_failure_class, model_version, change_fraction,
                          status, final_decision, final_instruction, final_reasons, final_source, finalized_at,
                          agreement, review_reasons, routed_at, reviewed_by, reviewed_at,
                          is_gold, gold_active, gold_decision, wanted, taken, label_count, created_at)
       SELECT $1, 'bench-' || g, repeat('a', 64), repeat('b', 64), 'Make the sky purple (' || g || ')',
              ($5::text[])[1 + g % 5], ($5::text[])[1 + g % 5] || '_' || (g / 5) % 12,
              jsonb_build_object('instruction_following', 1 + g % 3, 'editing_consistency', 1 + (g / 3) % 3,
                                 'generation_quality', 1 + (g / 9) % 3),
              CASE WHEN g % 7 = 0 THEN NULL ELSE g % 3 <> 0 END, CASE WHEN g % 3 = 0 THEN 'instruction_not_followed' END,
              'v1', ((g * 37) % 1000) / 1000.0,
              s.status::"PairStatus", s.fin::"Decision", CASE WHEN s.fin IS NOT NULL THEN 'Make the sky purple (' || g || ')' END,
              CASE WHEN s.fin = 'reject' THEN ARRAY['artifacts'] ELSE '{}'::text[] END,
              CASE WHEN s.k <= 4 THEN 'consensus' WHEN s.k = 5 THEN 'review' END,
              CASE WHEN s.fin IS NOT NULL THEN s.t END,
              CASE WHEN s.k <= 4 THEN 1 WHEN s.k <= 6 THEN 0 END,
              CASE WHEN s.k IN (5, 6) THEN ARRAY['decision'] ELSE '{}'::text[] END,
              CASE WHEN s.k IN (5, 6) THEN s.t - interval '1 hour' END,
              CASE WHEN s.k = 5 THEN $4::int END, CASE WHEN s.k = 5 THEN s.t END,
              s.gold, s.gold, CASE WHEN s.gold THEN s.fin::"Decision" END,
              2, s.n, s.n, s.t - interval '1 day'
       FROM generate_series($2::int, $3::int) g,
            LATERAL (SELECT g % 10 AS k, now() - make_interval(secs => ($6::bigint - g::bigint) * ${span} / $6::bigint) AS t) x,
            LATERAL (SELECT x.k, x.t,
                            CASE WHEN x.k <= 5 THEN 'final' WHEN x.k = 6 THEN 'in_review' ELSE 'open' END AS status,
                            CASE WHEN x.k <= 4 THEN (CASE WHEN g % 20 < 3 THEN 'reject' ELSE 'accept' END)
                                 WHEN x.k = 5 THEN 'accept' END AS fin,
                            CASE WHEN x.k <= 6 THEN 2 WHEN x.k <= 8 THEN 1 ELSE 0 END AS n,
                            g % 100 = 0 AS gold) s`,
      [projectId, a, b, reviewer, TASKS, pairs],
    );
    await q(db, "BEGIN");
    await q(db, "SET LOCAL session_replication_role = replica");
    // First label: the final decision (consensus), accept (disagreeing pairs), accept (one-label pairs).
    // Second label: the same on consensus pairs, reject on the disagreeing ones.
    await q(
      db,
      `INSERT INTO labels (pair_id, project_id, annotator_id, decision, reasons, seconds_spent, submission_id, gold_correct, created_at)
       SELECT p.id, p.project_id, ($2::int[])[1 + (g % 20 + l.i * (1 + (g / 20) % 19)) % 20],
              l.d::"Decision", CASE WHEN l.d = 'reject' THEN ARRAY['artifacts'] ELSE '{}'::text[] END,
              3 + (p.id % 17), gen_random_uuid(), CASE WHEN p.is_gold THEN l.d::"Decision" = p.gold_decision END,
              coalesce(p.finalized_at, p.created_at + interval '20 hours') - make_interval(mins => 30 * (2 - l.i))
       FROM pairs p, LATERAL (SELECT substr(p.external_id, 7)::int AS g) x,
            LATERAL (SELECT i, CASE WHEN p.final_source = 'consensus' THEN p.final_decision::text
                                    WHEN i = 0 THEN 'accept'
                                    WHEN p.status = 'open' THEN 'accept' ELSE 'reject' END AS d
                     FROM generate_series(0, p.label_count - 1) i) l
       WHERE p.project_id = $1 AND p.id >= (SELECT min(id) FROM pairs WHERE project_id = $1 AND external_id = 'bench-' || $3::int)`,
      [projectId, annotators, a],
    );
    await q(
      db,
      `INSERT INTO audit_events (actor_id, action, subject_type, subject_id, data, created_at)
       SELECT l.annotator_id, 'label.create', 'pair', l.pair_id::text,
              jsonb_build_object('decision', l.decision, 'labelId', l.id::text), l.created_at
       FROM labels l WHERE l.project_id = $1
         AND l.pair_id >= (SELECT min(id) FROM pairs WHERE project_id = $1 AND external_id = 'bench-' || $2::int)
       UNION ALL
       SELECT p.reviewed_by, 'review.adjudicate', 'pair', p.id::text, jsonb_build_object('decision', p.final_decision), p.reviewed_at
       FROM pairs p WHERE p.project_id = $1 AND p.reviewed_at IS NOT NULL
         AND p.id >= (SELECT min(id) FROM pairs WHERE project_id = $1 AND external_id = 'bench-' || $2::int)`,
      [projectId, a],
    );
    await q(db, "COMMIT");
    progress(b);
  }
  await recountKeptAggregates(db, projectId);
  await q(db, `UPDATE bench_pages_seeded SET finished_at = now()`);
  return { projectId, ...EMAILS };
}

/**
 * The hook that brings every figure the database keeps for a project back to what its rows say, run after
 * seeding wrote labels with triggers off. It calls, in name order, every SQL function called
 * `loupe_recount_<something>(project_id integer)` that the migrations and definition files define: the
 * backfill a migration runs when it adds a kept aggregate should be such a function, and this picks it up
 * with no change here. The counters of project_counts are rebuilt here, as their migration did.
 */
export async function recountKeptAggregates(db: SeedDb, projectId: number): Promise<string[]> {
  await q(db, `DELETE FROM project_counts WHERE project_id = $1`, [projectId]);
  await q(
    db,
    `INSERT INTO project_counts (project_id, shard, open, labelled, in_review, final, labels)
     SELECT project_id, (id % 16)::smallint, count(*) FILTER (WHERE status = 'open'), count(*) FILTER (WHERE status = 'labelled'),
            count(*) FILTER (WHERE status = 'in_review'), count(*) FILTER (WHERE status = 'final'), coalesce(sum(label_count), 0)
     FROM pairs WHERE project_id = $1 GROUP BY 1, 2`,
    [projectId],
  );
  const fns = await q(
    db,
    `SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = current_schema() AND p.proname LIKE 'loupe\\_recount\\_%' AND p.pronargs = 1
       AND p.proargtypes[0] = 'integer'::regtype ORDER BY 1`,
  );
  const called: string[] = [];
  for (const f of fns.rows) {
    const name = String(f.proname);
    // The name comes from the catalogue and matched the pattern above; quote it as an identifier anyway.
    await q(db, `SELECT "${name.replace(/"/g, '""')}"($1::int)`, [projectId]);
    called.push(name);
  }
  return called;
}
