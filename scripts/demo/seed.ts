import "server-only";
import { createHash } from "node:crypto";
import type { Db } from "@/lib/db/connect";
import type { Prisma } from "@/lib/db/generated/client";
import { hashPassword } from "@/lib/auth/password";
import { computeChangeMap } from "@/lib/images/derive";
import { putImage } from "@/lib/images/store";
import { DEFAULT_REJECT_REASONS } from "@/lib/projects/reasons";
import { generateDemoPairs, type DemoPairSpec } from "./generate";
import { DEMO_GOLD_FRACTION, DEMO_SIMULATED_ANNOTATORS, demoGoldAnswer, pickDemoGold, planDemoHistory } from "./history";
import { renderScene } from "./render";

export const DEMO_PASSWORD = "loupe-demo";
export const DEMO_PROJECT_NAME = "Demo: synthetic edits";
export const DEMO_PAIR_COUNT = 240;
/** Labels wanted per demo pair: two, so consensus, disagreement and agreement figures have something to show. */
export const DEMO_OVERLAP = 2;
/** The demo project's gold rule: paused under 70% after 5 gold checks (a short minimum, so the demo shows a pause). */
export const DEMO_GOLD_MIN_COUNT = 5;
export const DEMO_GOLD_ACCURACY_THRESHOLD = 0.7;
/** The demo pairs "arrived" this long before the seed, ahead of the simulated history. */
const DEMO_IMPORTED_DAYS_AGO = 8;

export const DEMO_USERS = [
  { email: "admin@loupe.local", name: "Ada Admin", role: "admin" },
  { email: "reviewer@loupe.local", name: "Rui Reviewer", role: "reviewer" },
  { email: "annotator@loupe.local", name: "Ana Annotator", role: "annotator" },
  { email: "annotator2@loupe.local", name: "Ben Annotator", role: "annotator" },
] as const;

const RENDER_CONCURRENCY = 4;
const INSERT_BATCH = 50;

/** The database holds real (non-demo) data, so the demo will not be mixed into it. */
export class DemoRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DemoRefusedError";
  }
}

export const DEMO_GUIDELINES = `# Demo: synthetic edits

Every pair here is a small illustrated scene (left: **source**) and the same scene after an edit
(right: **edited**), with the **instruction** that asked for the edit. About a quarter of the pairs
are deliberately broken, so expect to reject some. Each pair also carries simulated verifier scores,
wrong on purpose about one time in six; they are hidden while you annotate so they cannot sway you:
judge the images.

## Accept
Accept when the edited image does what the instruction says, to the object it names, and nothing
else in the picture changed. Small rendering differences along edges do not matter.

## Reject (pick every reason that applies)
- **No visible edit**: the two images look the same.
- **Wrong object or region edited**: the instruction names one thing, another thing changed
  ("Make the car red" but the house turned red).
- **Extra unrequested change**: the edit was done, and something else changed too.
- **Text rendered wrong**: the sign does not read exactly the word asked for (check the spelling).
- Use the other reasons when they fit; a reject with no fitting reason is rare.

## Re-caption
Re-caption when the edit is good but the instruction does not describe it: write the instruction
that *would* produce exactly this edited image ("Make the house red", "Change the sign to read
PARK"). Keep it short and imperative, name the object the way the instruction would, and describe
everything that changed. Re-captioned pairs become training data with your instruction instead of
the original one.

## How your labels are used
Two people decide each pair without seeing each other's answer. When you agree it is settled; when
you disagree, or you both contradict the verifier, a reviewer decides. A few pairs have a known
answer and check the quality of the work: under 70% right on them after five, you are paused from
the project until an admin lifts the pause.

## Tips
- Use the flicker and difference views: a missing ball or a recoloured door is easy to overlook.
- Count things when the instruction has a number in it.
- Read the sign letter by letter.
`;

export interface SeedDemoResult {
  created: boolean;
  pairs: number;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function refuseIfRealData(db: Db): Promise<void> {
  const user = await db.prisma.user.findFirst({ where: { isDemo: false }, select: { email: true } });
  const project = await db.prisma.project.findFirst({ where: { isDemo: false }, select: { name: true } });
  if (user || project) {
    const what = [user ? `user ${user.email}` : null, project ? `project "${project.name}"` : null]
      .filter(Boolean)
      .join(" and ");
    throw new DemoRefusedError(
      `Refusing to load the demo: this database already holds real data (${what}). ` +
        `The demo only goes into an empty database or one that holds nothing but demo data; ` +
        `point LOUPE_DATA_DIR or DATABASE_URL at a fresh one to try it.`,
    );
  }
}

// The simulated annotators of the demo's history (scripts/demo/history.ts). Disabled: nobody signs in
// as them, they only own the labels that were there before anyone did.
const SIMULATED_USERS = DEMO_SIMULATED_ANNOTATORS.map((a) => ({ email: a.email, name: a.name, role: "annotator" as const, disabled: true }));

async function ensureDemoUsers(db: Db, log: (s: string) => void): Promise<void> {
  const all = [...DEMO_USERS.map((u) => ({ ...u, disabled: false })), ...SIMULATED_USERS];
  const existing = await db.prisma.user.findMany({
    where: { email: { in: all.map((u) => u.email) } },
    select: { email: true },
  });
  const have = new Set(existing.map((u) => u.email));
  const missing = all.filter((u) => !have.has(u.email));
  if (missing.length === 0) return;
  const passwordHash = await hashPassword(DEMO_PASSWORD); // bcrypt is slow: once for all of them
  await db.prisma.user.createMany({
    data: missing.map((u) => ({ email: u.email, name: u.name, role: u.role, passwordHash, isDemo: true, disabled: u.disabled })),
    skipDuplicates: true,
  });
  const people = missing.filter((u) => !u.disabled).map((u) => u.email);
  if (people.length > 0) log(`demo: created users ${people.join(", ")} (password "${DEMO_PASSWORD}")`);
  if (people.length < missing.length) log(`demo: created ${missing.length - people.length} simulated annotators (disabled: they cannot sign in)`);
}

function pairRow(
  projectId: number,
  wanted: number,
  spec: DemoPairSpec,
  sourceSha: string,
  editedSha: string,
  gold: boolean,
  importedAt: Date,
): Prisma.PairCreateManyInput {
  const v = spec.verifier;
  const row: Prisma.PairCreateManyInput = {
    projectId,
    externalId: spec.externalId,
    sourceImage: sourceSha,
    editedImage: editedSha,
    instruction: spec.instruction,
    task: spec.task,
    subtask: spec.subtask,
    verifierScores: {
      instruction_following: v.instructionFollowing,
      editing_consistency: v.editingConsistency,
      generation_quality: v.generationQuality,
      overall: v.overall,
    },
    verifierValid: v.valid,
    verifierFailureClass: v.failureClass,
    verifierRecaption: v.recaption,
    modelVersion: v.modelVersion,
    metadata: { demo: { truth: spec.truth, editKind: spec.editKind } } as unknown as Prisma.InputJsonValue,
    wanted,
    taken: 0,
    createdAt: importedAt,
  };
  if (!gold) return row;
  // A gold pair is final from the start with its known answer (the schema's CHECKs demand both).
  const answer = demoGoldAnswer(spec);
  return {
    ...row,
    isGold: true,
    goldActive: true,
    goldDecision: answer.decision,
    goldReasons: answer.reasons,
    status: "final",
    finalDecision: answer.decision,
    finalReasons: answer.reasons,
    finalInstruction: spec.instruction,
    finalSource: "gold",
    finalizedAt: importedAt,
  };
}

/** Whether the simulated history still has to be written: a two-label demo project none of the simulated annotators has labelled in. */
async function historyPending(db: Db, project: { id: number; overlap: number }): Promise<boolean> {
  // Demos seeded before overlap 2 keep their one-label pairs; the history's second labels would not fit them.
  if (project.overlap !== DEMO_OVERLAP) return false;
  const done = await db.prisma.label.findFirst({
    where: { projectId: project.id, annotator: { email: { in: DEMO_SIMULATED_ANNOTATORS.map((a) => a.email) } } },
    select: { id: true },
  });
  return done === null;
}

/** A stable submission id per (pair, annotator), so the history's labels are the same rows on every seed. */
function historySubmissionId(externalId: string, email: string): string {
  const h = createHash("sha256").update(`loupe-demo-history:${externalId}:${email}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Writes the simulated history in one transaction (all or nothing), each label its own statement, oldest
 * first, through the real triggers: they settle or route pairs, score gold and pause the careless annotator,
 * after which the statement inserts nothing for them, as SUBMIT_SQL would refuse them.
 */
async function seedHistory(
  db: Db,
  projectId: number,
  specs: DemoPairSpec[],
  gold: Set<string>,
  log: (s: string) => void,
): Promise<void> {
  const users = await db.prisma.user.findMany({
    where: { email: { in: DEMO_SIMULATED_ANNOTATORS.map((a) => a.email) } },
    select: { id: true, email: true },
  });
  const userOf = DEMO_SIMULATED_ANNOTATORS.map((a) => users.find((u) => u.email === a.email)!);
  const pairs = await db.prisma.pair.findMany({ where: { projectId }, select: { id: true, externalId: true } });
  const pairIdOf = new Map(pairs.map((p) => [p.externalId, p.id]));
  const plan = planDemoHistory(specs, gold, new Date());
  const started = Date.now();
  const labels = await db.prisma.$transaction(
    async (tx) => {
      let n = 0;
      for (const e of plan.events) {
        const pairId = pairIdOf.get(e.externalId);
        const user = userOf[e.sim]!;
        if (pairId === undefined) throw new Error(`demo: history names pair ${e.externalId}, which is not in the project`);
        n += await tx.$executeRaw`
          WITH ins AS (
            INSERT INTO labels (pair_id, project_id, annotator_id, decision, reasons, recaption, seconds_spent, submission_id, created_at)
            SELECT p.id, p.project_id, ${user.id}, ${e.decision}::"Decision", ${e.reasons}::text[], ${e.recaption}::text,
                   ${e.seconds}::real, ${historySubmissionId(e.externalId, user.email)}::uuid, ${e.at}::timestamptz
            FROM pairs p
            WHERE p.id = ${pairId} AND (p.is_gold OR p.taken < p.wanted)
              AND NOT EXISTS (SELECT 1 FROM labels b WHERE b.pair_id = p.id AND b.annotator_id = ${user.id})
              AND NOT EXISTS (SELECT 1 FROM project_annotators pa
                              WHERE pa.project_id = p.project_id AND pa.user_id = ${user.id} AND pa.paused_at IS NOT NULL)
            RETURNING id, pair_id, annotator_id, decision, reasons, created_at
          )
          INSERT INTO audit_events (actor_id, action, subject_type, subject_id, data, created_at)
          SELECT annotator_id, 'label.create', 'pair', pair_id::text,
                 jsonb_build_object('labelId', id::text, 'decision', decision, 'reasons', to_jsonb(reasons)), created_at
          FROM ins`;
      }
      // The triggers stamp the transaction's now(); the history reads as it happened when pairs
      // settle, route and pause at the time of the label that caused it.
      await tx.$executeRaw`
        UPDATE pairs p SET finalized_at = CASE WHEN p.final_source = 'consensus' THEN x.last ELSE p.finalized_at END,
                           routed_at = CASE WHEN p.status = 'in_review' THEN x.last ELSE p.routed_at END
        FROM (SELECT pair_id, max(created_at) AS last FROM labels WHERE project_id = ${projectId} GROUP BY pair_id) x
        WHERE p.id = x.pair_id AND p.project_id = ${projectId} AND NOT p.is_gold`;
      await tx.$executeRaw`
        UPDATE audit_events e SET created_at = b.created_at FROM labels b
        WHERE e.action = 'annotator.paused' AND e.data->>'projectId' = ${String(projectId)}
          AND b.id = (e.data->>'labelId')::bigint`;
      await tx.$executeRaw`
        UPDATE project_annotators pa SET paused_at = e.created_at FROM audit_events e
        WHERE e.action = 'annotator.paused' AND e.data->>'projectId' = ${String(projectId)}
          AND pa.project_id = ${projectId} AND pa.user_id::text = e.subject_id`;
      return n;
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
  const paused = await db.prisma.projectAnnotator.count({ where: { projectId, pausedAt: { not: null } } });
  log(`demo: simulated ${labels} labels by ${DEMO_SIMULATED_ANNOTATORS.length} annotators over the last week ` +
    `(${paused} paused by the gold rule) in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

/** Loads the demo (users, simulated history, gold, `count` rendered pairs); re-runnable, resumable, refuses real data. */
export async function seedDemo(
  db: Db,
  dataDir: string,
  opts: { count?: number; log?: (s: string) => void } = {},
): Promise<SeedDemoResult> {
  const count = opts.count ?? DEMO_PAIR_COUNT;
  const log = opts.log ?? (() => {});
  let project = await db.prisma.project.findUnique({ where: { name: DEMO_PROJECT_NAME } });
  if (project?.isDemo) {
    const have = await db.prisma.pair.count({ where: { projectId: project.id } });
    if (have >= count && !(await historyPending(db, project))) {
      // Already seeded: a demo database that people have since added users or projects to is
      // still theirs to restart, so nothing is refused here.
      await ensureDemoUsers(db, log);
      log(`demo: project "${DEMO_PROJECT_NAME}" already has ${have} pairs; nothing to do`);
      return { created: false, pairs: have };
    }
  }
  await refuseIfRealData(db);
  await ensureDemoUsers(db, log);
  if (project) {
    const have = await db.prisma.pair.count({ where: { projectId: project.id } });
    log(`demo: resuming "${DEMO_PROJECT_NAME}" (${have}/${count} pairs present)`);
  } else {
    project = await db.prisma.project.upsert({
      where: { name: DEMO_PROJECT_NAME },
      create: {
        name: DEMO_PROJECT_NAME,
        guidelines: DEMO_GUIDELINES,
        overlap: DEMO_OVERLAP,
        leaseSeconds: 600,
        rejectReasons: DEFAULT_REJECT_REASONS as unknown as Prisma.InputJsonValue,
        isDemo: true,
        goldRate: DEMO_GOLD_FRACTION,
        goldMinCount: DEMO_GOLD_MIN_COUNT,
        goldAccuracyThreshold: DEMO_GOLD_ACCURACY_THRESHOLD,
      },
      update: {},
    });
    log(`demo: created project "${DEMO_PROJECT_NAME}"`);
  }

  const specs = generateDemoPairs(count);
  const gold = pickDemoGold(specs);
  const importedAt = new Date(Date.now() - DEMO_IMPORTED_DAYS_AGO * 24 * 3600 * 1000);
  const present = new Set(
    (
      await db.prisma.pair.findMany({
        where: { projectId: project.id, externalId: { in: specs.map((s) => s.externalId) } },
        select: { externalId: true },
      })
    ).map((p) => p.externalId),
  );
  const todo = specs.filter((s) => !present.has(s.externalId));
  log(`demo: rendering ${todo.length} pairs (${todo.length * 2} images)`);

  const started = Date.now();
  for (let start = 0; start < todo.length; start += INSERT_BATCH) {
    const batch = todo.slice(start, start + INSERT_BATCH);
    const rows = await mapLimit(batch, RENDER_CONCURRENCY, async (spec) => {
      const [src, edit] = await Promise.all([renderScene(spec.source), renderScene(spec.edited)]);
      const a = await putImage(db, dataDir, src, { mime: "image/webp" });
      const b = await putImage(db, dataDir, edit, { mime: "image/webp" });
      // The same change map an import computes, so the heatmap mode (D) works on the demo too.
      const change = await computeChangeMap(src, edit);
      const heat = await putImage(db, dataDir, change.heatmap);
      return {
        ...pairRow(project.id, project.overlap, spec, a.sha256, b.sha256, gold.has(spec.externalId), importedAt),
        heatmapImage: heat.sha256,
        changeFraction: change.changedFraction,
        ssim: change.ssim,
        changeOutsideMask: change.changeOutsideMask,
      };
    });
    // Images are stored before the pairs that point at them, so a crash never leaves a dangling pair.
    await db.prisma.pair.createMany({ data: rows, skipDuplicates: true });
    log(`demo: ${Math.min(start + batch.length, todo.length)}/${todo.length} pairs (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  }

  if (await historyPending(db, project)) await seedHistory(db, project.id, specs, gold, log);
  const total = await db.prisma.pair.count({ where: { projectId: project.id } });
  log(`demo: done, ${total} pairs in "${DEMO_PROJECT_NAME}" (${gold.size} of them gold)`);
  return { created: true, pairs: total };
}
