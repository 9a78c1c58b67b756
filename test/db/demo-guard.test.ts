import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServerDatabase, engines, freshDatabase, type TestDatabase } from "@/test/support/db";
import { openDatabase } from "@/lib/db/connect";
import { migrate } from "@/lib/db/migrate";
import { DISABLE_DEMO_COMMAND, demoAccountsBlockingServe, disableDemoAccounts } from "@/lib/users/demo";
import { DEFAULT_REJECT_REASONS } from "@/lib/projects/reasons";

// Safe by default: `npm start` (the CLI's serve) refuses enabled demo accounts beside real users or
// projects, and demo:disable is the way out.

async function addUser(db: Pick<TestDatabase, "query">, email: string, role: string, demo: boolean): Promise<number> {
  const [u] = await db.query<{ id: number }>(
    `INSERT INTO users (email, name, password_hash, role, is_demo) VALUES ($1, $1, 'x', $2::"Role", $3) RETURNING id`,
    [email, role, demo],
  );
  return u!.id;
}

async function addProject(db: Pick<TestDatabase, "query">, name: string, demo: boolean): Promise<number> {
  const [p] = await db.query<{ id: number }>(
    `INSERT INTO projects (name, overlap, reject_reasons, is_demo) VALUES ($1, 1, $2::jsonb, $3) RETURNING id`,
    [name, JSON.stringify(DEFAULT_REJECT_REASONS), demo],
  );
  return p!.id;
}

describe.each(engines())("demo accounts beside real data ($engine)", ({ engine }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase(engine);
  });
  afterAll(async () => {
    await db?.close();
  });

  it("allows an empty database and a demo-only one, refuses demo accounts beside a real project or user, and demo:disable ends it", async () => {
    expect(await demoAccountsBlockingServe(db)).toBeNull();
    await addUser(db, "admin@loupe.local", "admin", true);
    const demoAnnotator = await addUser(db, "annotator@loupe.local", "annotator", true);
    const demoProject = await addProject(db, "Demo: synthetic edits", true);
    expect(await demoAccountsBlockingServe(db)).toBeNull();

    await addProject(db, "ScaleEdit shard 3", false);
    const refusal = await demoAccountsBlockingServe(db);
    expect(refusal).toBe(
      `Refusing to serve: the demo accounts (admin@loupe.local, annotator@loupe.local) are enabled, with their published password, ` +
        `beside real data (project "ScaleEdit shard 3"). Disable them with: ${DISABLE_DEMO_COMMAND}`,
    );

    // The demo admin is the only admin: disabling would lock everyone out, so it is refused with the way forward.
    await expect(disableDemoAccounts(db)).rejects.toThrow(/would leave no admin.*user:add/s);
    expect(await db.query(`SELECT id FROM users WHERE is_demo AND disabled`)).toEqual([]);

    await addUser(db, "lead@example.org", "admin", false);
    expect(await demoAccountsBlockingServe(db)).toMatch(/beside real data \(user lead@example.org and project "ScaleEdit shard 3"\)/);
    const [pair] = await db.query<{ id: string }>(
      `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, wanted) VALUES ($1, 'p1', $2, $2, 'x', 1) RETURNING id::text`,
      [demoProject, "a".repeat(64)],
    );
    await db.query(`INSERT INTO leases (pair_id, project_id, annotator_id, expires_at, slot) VALUES ($1, $2, $3, now() + interval '10 minutes', 1)`, [
      pair!.id,
      demoProject,
      demoAnnotator,
    ]);

    expect(await disableDemoAccounts(db)).toEqual(["admin@loupe.local", "annotator@loupe.local"]);
    expect(await demoAccountsBlockingServe(db)).toBeNull();
    const users = await db.query<{ email: string; disabled: boolean }>(`SELECT email, disabled FROM users ORDER BY email`);
    expect(users).toEqual([
      { email: "admin@loupe.local", disabled: true },
      { email: "annotator@loupe.local", disabled: true },
      { email: "lead@example.org", disabled: false },
    ]);
    expect(await db.query(`SELECT pair_id FROM leases WHERE annotator_id = $1`, [demoAnnotator])).toEqual([]);
    const audit = await db.query<{ action: string; actor_id: number | null; data: unknown }>(
      `SELECT action, actor_id, data FROM audit_events WHERE action = 'user.disable' ORDER BY id`,
    );
    expect(audit).toEqual([
      { action: "user.disable", actor_id: null, data: { demo: true } },
      { action: "user.disable", actor_id: null, data: { demo: true } },
    ]);
    expect(await disableDemoAccounts(db)).toEqual([]);
  });
});

// On the server when there is one (opening an embedded database twice costs more than the check).
describe("npm start beside enabled demo accounts (the CLI's serve)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "loupe-demo-guard-"));
  let server: Awaited<ReturnType<typeof createServerDatabase>> | undefined;
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await server?.drop();
  });

  it("refuses to serve and names the command that disables them", async () => {
    if (process.env.TEST_DATABASE_URL) server = await createServerDatabase("loupe_demo_guard");
    const db = await openDatabase(server ? { kind: "server", url: server.url, poolSize: 2 } : { kind: "embedded", dataDir: dir });
    try {
      await db.dedicated((r) => migrate(r));
      await addUser(db, "admin@loupe.local", "admin", true);
      await addUser(db, "lead@example.org", "admin", false);
    } finally {
      await db.close();
    }
    const r = spawnSync(process.execPath, ["node_modules/tsx/dist/cli.mjs", "--conditions=react-server", "scripts/cli.ts", "serve", "--port", "1"], {
      env: { ...process.env, LOUPE_DATA_DIR: dir, DATABASE_URL: server?.url ?? "" },
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(r.status).toBe(1);
    expect(`${r.stdout}${r.stderr}`).toMatch(
      /^Error: Refusing to serve: the demo accounts \(admin@loupe\.local\) are enabled.*beside real data \(user lead@example\.org\)\. Disable them with: npm run loupe -- demo:disable$/m,
    );
  });
});
