import { test as base, expect, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import pg from "pg";
import bcrypt from "bcryptjs";
import { DEFAULT_REJECT_REASONS } from "../lib/projects/reasons";

// Fixtures create their own users, projects and pairs straight in the test database (written by
// scripts/e2e-server.ts), so every spec starts from a known state and specs do not share data.

interface E2eEnv {
  databaseUrl: string;
  dataDir: string;
  images: { source: string; edited: string; instruction: string; task: string; subtask: string }[];
  /** LOUPE_IMPORT_ROOT of the server, holding the same pictures as files (paths relative to it). */
  importRoot: string;
  imageFiles: { source: string; edited: string; instruction: string }[];
}

export const PASSWORD = "e2e-password-123";
const HASH = bcrypt.hashSync(PASSWORD, 4);

let envCache: E2eEnv | undefined;
export function e2eEnv(): E2eEnv {
  envCache ??= JSON.parse(readFileSync("test-results/e2e-env.json", "utf8")) as E2eEnv;
  return envCache;
}

export interface TestUser {
  id: number;
  email: string;
  password: string;
  role: "admin" | "reviewer" | "annotator";
}

export interface TestProject {
  id: number;
  name: string;
  pairIds: string[];
}

function uid() {
  return randomBytes(4).toString("hex");
}

export async function createUser(db: pg.Pool, role: TestUser["role"], name?: string): Promise<TestUser> {
  const email = `${role}-${uid()}@e2e.local`;
  const r = await db.query<{ id: number }>(
    `INSERT INTO users (email, name, password_hash, role) VALUES ($1, $2, $3, $4::"Role") RETURNING id`,
    [email, name ?? `${role} ${email.slice(role.length + 1, role.length + 5)}`, HASH, role],
  );
  return { id: r.rows[0]!.id, email, password: PASSWORD, role };
}

export async function createProject(
  db: pg.Pool,
  opts: { pairs: number; overlap?: number; leaseSeconds?: number; name?: string },
): Promise<TestProject> {
  const env = e2eEnv();
  const overlap = opts.overlap ?? 1;
  const name = opts.name ?? `E2E project ${uid()}`;
  const reasons = JSON.stringify(DEFAULT_REJECT_REASONS);
  const p = await db.query<{ id: number }>(
    `INSERT INTO projects (name, overlap, lease_seconds, reject_reasons, guidelines) VALUES ($1, $2, $3, $4::jsonb, $5) RETURNING id`,
    [name, overlap, opts.leaseSeconds ?? 600, reasons, "Accept good edits; reject bad ones with reasons."],
  );
  const projectId = p.rows[0]!.id;
  const pairIds: string[] = [];
  for (let i = 0; i < opts.pairs; i++) {
    const img = env.images[i % env.images.length]!;
    const r = await db.query<{ id: string }>(
      `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, task, subtask, wanted)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id::text`,
      [projectId, `e2e-${i}`, img.source, img.edited, `${img.instruction} [#${i + 1}]`, img.task, img.subtask, overlap],
    );
    pairIds.push(r.rows[0]!.id);
  }
  return { id: projectId, name, pairIds };
}

export async function signIn(page: Page, user: TestUser, callbackUrl = "/") {
  await page.goto(`/signin?callbackUrl=${encodeURIComponent(callbackUrl)}`);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/signin"));
}

// ---- Content Security Policy: a test fails on any violation in any of its browser contexts

const cspViolations: string[] = [];
const CSP_TEXT = /Content Security Policy|CSP violation/i;

/** Records CSP violations of every page of `context`: the browser's own "Refused to …" errors and the DOM's violation events. */
export async function watchCsp(context: BrowserContext): Promise<void> {
  context.on("console", (msg) => {
    if (msg.type() === "error" && CSP_TEXT.test(msg.text())) cspViolations.push(`${msg.location().url}: ${msg.text()}`);
  });
  // Init scripts run outside the page's CSP, so this listener is there before the first blocked script.
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
}

type Fixtures = {
  cspCheck: void;
  db: pg.Pool;
  seedPairs: (opts: { pairs: number; overlap?: number; leaseSeconds?: number }) => Promise<TestProject>;
  asAnnotator: { page: Page; user: TestUser };
  asAdmin: { page: Page; user: TestUser };
  asReviewer: { page: Page; user: TestUser };
};

export const test = base.extend<Fixtures>({
  cspCheck: [
    async ({ context }, use) => {
      cspViolations.length = 0;
      await watchCsp(context);
      await use();
      expect(cspViolations, "Content Security Policy violations").toEqual([]);
    },
    { auto: true },
  ],
  db: async ({}, use) => {
    const pool = new pg.Pool({ connectionString: e2eEnv().databaseUrl, max: 4 });
    await use(pool);
    await pool.end();
  },
  seedPairs: async ({ db }, use) => {
    await use((opts) => createProject(db, opts));
  },
  asAnnotator: async ({ page, db }, use) => {
    const user = await createUser(db, "annotator");
    await signIn(page, user);
    await use({ page, user });
  },
  asAdmin: async ({ page, db }, use) => {
    const user = await createUser(db, "admin");
    await signIn(page, user);
    await use({ page, user });
  },
  asReviewer: async ({ page, db }, use) => {
    const user = await createUser(db, "reviewer");
    await signIn(page, user);
    await use({ page, user });
  },
});

export { expect };

// ---- Several people at once

/** A second browser session as `user`; `browser.newContext()` does not inherit `use`, so base URL and viewport are passed. */
export async function signInNewContext(
  browser: Browser,
  user: TestUser,
  opts: { baseURL: string | undefined; callbackUrl?: string },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: opts.baseURL, viewport: { width: 1400, height: 1000 } });
  await watchCsp(context);
  const page = await context.newPage();
  await signIn(page, user, opts.callbackUrl ?? "/");
  return { context, page };
}

export interface StoredLabel {
  pairId: string;
  annotatorId: number;
  decision: "accept" | "reject" | "recaption";
  reasons: string[];
  recaption: string | null;
}

export async function projectLabels(db: pg.Pool, projectId: number): Promise<StoredLabel[]> {
  const r = await db.query<StoredLabel>(
    `SELECT pair_id::text AS "pairId", annotator_id AS "annotatorId", decision::text AS decision, reasons, recaption
     FROM labels WHERE project_id = $1 ORDER BY pair_id`,
    [projectId],
  );
  return r.rows;
}

export async function liveLeasedPairIds(db: pg.Pool, projectId: number, annotatorId: number): Promise<string[]> {
  const r = await db.query<{ pair_id: string }>(
    `SELECT pair_id::text FROM leases
     WHERE project_id = $1 AND annotator_id = $2 AND submitted_at IS NULL AND expires_at > now()
     ORDER BY pair_id`,
    [projectId, annotatorId],
  );
  return r.rows.map((x) => x.pair_id);
}

// ---- Review and gold

/** A label written straight into the database: the label triggers count it and settle or route the pair. */
export async function insertLabel(
  db: pg.Pool,
  opts: { pairId: string; projectId?: number; annotatorId: number; decision: "accept" | "reject" | "recaption"; reasons?: string[]; recaption?: string },
): Promise<void> {
  await db.query(
    `INSERT INTO labels (pair_id, project_id, annotator_id, decision, reasons, recaption, seconds_spent, submission_id)
     SELECT p.id, p.project_id, $2, $3::"Decision", $4::text[], $5, 4.2, gen_random_uuid() FROM pairs p WHERE p.id = $1`,
    [opts.pairId, opts.annotatorId, opts.decision, opts.reasons ?? [], opts.recaption ?? null],
  );
}

export interface StoredPairOutcome {
  status: string;
  finalDecision: string | null;
  finalInstruction: string | null;
  finalReasons: string[];
  finalSource: string | null;
  reviewReasons: string[];
  reviewedBy: number | null;
  reviewNote: string | null;
  isGold: boolean;
  goldActive: boolean;
  goldDecision: string | null;
  goldReasons: string[];
}

export async function pairOutcome(db: pg.Pool, pairId: string): Promise<StoredPairOutcome> {
  const r = await db.query<StoredPairOutcome>(
    `SELECT status::text AS status, final_decision::text AS "finalDecision", final_instruction AS "finalInstruction",
            final_reasons AS "finalReasons", final_source AS "finalSource", review_reasons AS "reviewReasons",
            reviewed_by AS "reviewedBy", review_note AS "reviewNote", is_gold AS "isGold", gold_active AS "goldActive",
            gold_decision::text AS "goldDecision", gold_reasons AS "goldReasons"
     FROM pairs WHERE id = $1`,
    [pairId],
  );
  return r.rows[0]!;
}

// ---- Gold pairs and quality settings

export interface QualitySettings {
  goldRate?: number;
  goldMinCount?: number;
  goldAccuracyThreshold?: number;
}

export async function setQualitySettings(db: pg.Pool, projectId: number, s: QualitySettings): Promise<void> {
  await db.query(
    `UPDATE projects SET gold_rate = coalesce($2, gold_rate), gold_min_count = coalesce($3, gold_min_count),
                         gold_accuracy_threshold = coalesce($4, gold_accuracy_threshold)
     WHERE id = $1`,
    [projectId, s.goldRate ?? null, s.goldMinCount ?? null, s.goldAccuracyThreshold ?? null],
  );
}

/** Adds active gold pairs, final with their answer, whose instructions read like regular pairs' ("… [#g1]"). */
export async function addGoldPairs(
  db: pg.Pool,
  project: TestProject,
  opts: { count: number; decision: "accept" | "reject" | "recaption"; reasons?: string[]; instruction?: string },
): Promise<string[]> {
  const env = e2eEnv();
  const ids: string[] = [];
  for (let i = 0; i < opts.count; i++) {
    const img = env.images[i % env.images.length]!;
    const r = await db.query<{ id: string }>(
      `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, task, subtask, wanted,
                          is_gold, gold_active, gold_decision, gold_reasons, gold_instruction,
                          status, final_decision, final_reasons, final_instruction, final_source, finalized_at)
       SELECT $1, $2, $3, $4, $5, $6, $7, overlap, true, true, $8::"Decision", $9::text[], $10,
              'final', $8::"Decision", $9::text[], coalesce($10, $5), 'gold', now()
       FROM projects WHERE id = $1
       RETURNING id::text`,
      [project.id, `e2e-gold-${i}`, img.source, img.edited, `${img.instruction} [#g${i + 1}]`, img.task, img.subtask,
        opts.decision, opts.reasons ?? [], opts.instruction ?? null],
    );
    ids.push(r.rows[0]!.id);
  }
  return ids;
}

/** Pauses an annotator in a project straight in the database, as the gold trigger would. */
export async function seedPause(db: pg.Pool, projectId: number, userId: number, reason: string): Promise<void> {
  await db.query(
    `INSERT INTO project_annotators (project_id, user_id, paused_at, pause_reason) VALUES ($1, $2, now(), $3)
     ON CONFLICT (project_id, user_id) DO UPDATE SET paused_at = now(), pause_reason = EXCLUDED.pause_reason`,
    [projectId, userId, reason],
  );
}
