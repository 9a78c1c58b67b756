import "server-only";
import type { Db } from "@/lib/db/connect";
import type { Prisma } from "@/lib/db/generated/client";
import { hashPassword } from "@/lib/auth/password";
import { computeChangeMap } from "@/lib/images/derive";
import { putImage } from "@/lib/images/store";
import { DEFAULT_REJECT_REASONS } from "@/lib/projects/reasons";
import { generateDemoPairs, type DemoPairSpec } from "./generate";
import { renderScene } from "./render";

export const DEMO_PASSWORD = "loupe-demo";
export const DEMO_PROJECT_NAME = "Demo: synthetic edits";
export const DEMO_PAIR_COUNT = 240;
/** Labels wanted per demo pair (a later change raises it to 2). */
export const DEMO_OVERLAP = 1;

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
  const user = await db.user.findFirst({ where: { isDemo: false }, select: { email: true } });
  const project = await db.project.findFirst({ where: { isDemo: false }, select: { name: true } });
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

async function ensureDemoUsers(db: Db, log: (s: string) => void): Promise<void> {
  const existing = await db.user.findMany({
    where: { email: { in: DEMO_USERS.map((u) => u.email) } },
    select: { email: true },
  });
  const have = new Set(existing.map((u) => u.email));
  const missing = DEMO_USERS.filter((u) => !have.has(u.email));
  if (missing.length === 0) return;
  const passwordHash = await hashPassword(DEMO_PASSWORD); // bcrypt is slow: once for all of them
  await db.user.createMany({
    data: missing.map((u) => ({ email: u.email, name: u.name, role: u.role, passwordHash, isDemo: true })),
    skipDuplicates: true,
  });
  log(`demo: created users ${missing.map((u) => u.email).join(", ")} (password "${DEMO_PASSWORD}")`);
}

function pairRow(
  projectId: number,
  wanted: number,
  spec: DemoPairSpec,
  sourceSha: string,
  editedSha: string,
): Prisma.PairCreateManyInput {
  const v = spec.verifier;
  return {
    projectId,
    externalId: spec.externalId,
    sourceImage: sourceSha,
    editedImage: editedSha,
    instruction: spec.instruction,
    task: spec.task,
    subtask: spec.subtask,
    vsInstructionFollowing: v.instructionFollowing,
    vsEditingConsistency: v.editingConsistency,
    vsGenerationQuality: v.generationQuality,
    vsOverall: v.overall,
    verifierValid: v.valid,
    verifierFailureClass: v.failureClass,
    verifierRecaption: v.recaption,
    modelVersion: v.modelVersion,
    metadata: { demo: { truth: spec.truth, editKind: spec.editKind } } as unknown as Prisma.InputJsonValue,
    wanted,
    taken: 0,
  };
}

/**
 * Loads the demo: four users, one project, `count` rendered pairs. Safe to re-run (a finished demo
 * is left alone) and to resume after a crash (pairs already in are skipped). Refuses databases that
 * hold real data.
 */
export async function seedDemo(
  db: Db,
  dataDir: string,
  opts: { count?: number; log?: (s: string) => void } = {},
): Promise<SeedDemoResult> {
  const count = opts.count ?? DEMO_PAIR_COUNT;
  const log = opts.log ?? (() => {});
  let project = await db.project.findUnique({ where: { name: DEMO_PROJECT_NAME } });
  if (project?.isDemo) {
    const have = await db.pair.count({ where: { projectId: project.id } });
    if (have >= count) {
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
    const have = await db.pair.count({ where: { projectId: project.id } });
    log(`demo: resuming "${DEMO_PROJECT_NAME}" (${have}/${count} pairs present)`);
  } else {
    project = await db.project.upsert({
      where: { name: DEMO_PROJECT_NAME },
      create: {
        name: DEMO_PROJECT_NAME,
        guidelines: DEMO_GUIDELINES,
        overlap: DEMO_OVERLAP,
        leaseSeconds: 600,
        rejectReasons: DEFAULT_REJECT_REASONS as unknown as Prisma.InputJsonValue,
        isDemo: true,
      },
      update: {},
    });
    log(`demo: created project "${DEMO_PROJECT_NAME}"`);
  }

  const specs = generateDemoPairs(count);
  const present = new Set(
    (
      await db.pair.findMany({
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
        ...pairRow(project.id, project.overlap, spec, a.sha256, b.sha256),
        heatmapImage: heat.sha256,
        changeFraction: change.changedFraction,
        ssim: change.ssim,
        changeOutsideMask: change.changeOutsideMask,
      };
    });
    // Images are stored before the pairs that point at them, so a crash never leaves a dangling pair.
    await db.pair.createMany({ data: rows, skipDuplicates: true });
    log(`demo: ${Math.min(start + batch.length, todo.length)}/${todo.length} pairs (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  }

  const total = await db.pair.count({ where: { projectId: project.id } });
  log(`demo: done, ${total} pairs in "${DEMO_PROJECT_NAME}"`);
  return { created: true, pairs: total };
}
