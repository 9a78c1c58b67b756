// Bench database lifecycle and seeding: a throwaway database on the server, migrated with the app's own
// runner, filled with generate_series, reset between runs.
import pg from "pg";
import { migrate } from "../../lib/db/migrate";
import { runnerFromPg } from "../../lib/db/sql";
import { hashPassword } from "../../lib/auth/password";
import { DEFAULT_REJECT_REASONS } from "../../lib/projects/reasons";

export const BENCH_PASSWORD = "bench-password-not-secret";

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function createDatabase(maint: pg.Client, name: string): Promise<void> {
  await maint.query(`CREATE DATABASE "${name}"`);
}

export async function dropDatabase(maint: pg.Client, name: string): Promise<void> {
  await maint.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

export interface Seeded {
  projectId: number;
  users: { id: number; email: string }[];
}

export async function seedBase(db: pg.Client, annotators: number): Promise<Seeded> {
  await migrate(runnerFromPg(db));
  const p = await db.query<{ id: number }>(
    `INSERT INTO projects (name, overlap, lease_seconds, reject_reasons, updated_at)
     VALUES ('bench', 1, 600, $1::jsonb, now()) RETURNING id`,
    [JSON.stringify(DEFAULT_REJECT_REASONS)],
  );
  const hash = await hashPassword(BENCH_PASSWORD); // one bcrypt, shared by every annotator
  const u = await db.query<{ id: number; email: string }>(
    `INSERT INTO users (email, name, password_hash, role, updated_at)
     SELECT 'annotator' || g || '@bench.local', 'Annotator ' || g, $1, 'annotator', now()
     FROM generate_series(1, $2::int) g
     ORDER BY g RETURNING id, email`,
    [hash, annotators],
  );
  return { projectId: p.rows[0]!.id, users: u.rows };
}

export async function countPairs(db: pg.Client, projectId: number): Promise<number> {
  const r = await db.query<{ n: string }>(`SELECT count(*) AS n FROM pairs WHERE project_id = $1`, [projectId]);
  return Number(r.rows[0]!.n);
}

/**
 * Adds pairs external_id from+1 … to (1-based), in chunks. With `signals`, each also gets verifier scores, a
 * valid flag on most, a change fraction and one of 20 long-tailed subtasks under 5 tasks, so every queue
 * order (BENCH_ORDER) has realistic keys to sort on.
 */
export async function addPairs(
  db: pg.Client,
  projectId: number,
  from: number,
  to: number,
  chunk = 200_000,
  opts: { signals?: boolean } = {},
): Promise<void> {
  for (let a = from + 1; a <= to; a += chunk) {
    const b = Math.min(to, a + chunk - 1);
    await db.query(
      opts.signals
        ? `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, wanted, task, subtask,
                              verifier_scores, verifier_valid, change_fraction)
           SELECT $1, 'bench-' || g, repeat('a', 64), repeat('b', 64), 'Make the sky purple (' || g || ')', 1,
                  'task' || (s % 5), 'sub' || s,
                  jsonb_build_object('instruction_following', 1 + g % 3, 'editing_consistency', 1 + (g / 3) % 3,
                                     'generation_quality', 1 + (g / 9) % 3),
                  CASE WHEN g % 5 = 0 THEN NULL ELSE g % 7 < 4 END, ((g * 37) % 1000) / 1000.0
           FROM generate_series($2::int, $3::int) g, LATERAL (SELECT least(19, floor(-ln(1 - (g * 0.6180339887) % 1) * 3))::int AS s) x`
        : `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, wanted)
           SELECT $1, 'bench-' || g, repeat('a', 64), repeat('b', 64), 'Make the sky purple (' || g || ')', 1
           FROM generate_series($2::int, $3::int) g`,
      [projectId, a, b],
    );
  }
}

/** Puts every pair back in the queue: no labels, leases, skips or audit rows, no consensus. */
export async function resetQueue(db: pg.Client): Promise<void> {
  // TRUNCATE fires no row triggers, so the counters the triggers maintain are reset by hand.
  await db.query(`TRUNCATE labels, leases, skips, audit_events`);
  await db.query(`UPDATE pairs SET taken = 0, label_count = 0, status = 'open', final_decision = NULL, final_instruction = NULL,
                    final_reasons = '{}', final_source = NULL, finalized_at = NULL, agreement = NULL, review_reasons = '{}',
                    routed_at = NULL, review_claimed_by = NULL, review_claimed_until = NULL
                  WHERE taken <> 0 OR label_count <> 0 OR status <> 'open'`);
  await vacuumAnalyze(db);
}

export async function vacuumAnalyze(db: pg.Client): Promise<void> {
  await db.query(`VACUUM ANALYZE pairs, leases, labels, skips, audit_events, users, projects`);
  // Flush the seeding's dirty pages now, so a checkpoint does not land in the middle of a run.
  await db.query(`CHECKPOINT`).catch(() => {}); // needs superuser or pg_checkpoint; optional
}
