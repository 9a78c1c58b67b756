import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, freshDatabase, type TestDatabase } from "@/test/support/db";
import { verifyPassword } from "@/lib/auth/password";
import { InvalidImageError, imagePath, putImage } from "@/lib/images/store";
import { DEFAULT_REJECT_REASONS } from "@/lib/projects/reasons";
import { claimNextPair } from "@/lib/queue/claim";
import { FLAW_REASONS, generateDemoPairs, type DemoTruth } from "@/scripts/demo/generate";
import { DEMO_SIMULATED_ANNOTATORS, pickDemoGold, planDemoHistory } from "@/scripts/demo/history";
import { DEMO_PASSWORD, DEMO_PROJECT_NAME, DEMO_USERS, DemoRefusedError, seedDemo } from "@/scripts/demo/seed";

type DemoMeta = { demo: { truth: DemoTruth } };
const truthOf = (p: { metadata: unknown }) => (p.metadata as DemoMeta).demo.truth;
const ALL_USERS = DEMO_USERS.length + DEMO_SIMULATED_ANNOTATORS.length;

describe.each(engines())("seedDemo on $engine", ({ engine }) => {
  let db: TestDatabase;
  let dataDir: string;
  const logs: string[] = [];

  beforeAll(async () => {
    db = await freshDatabase(engine);
    dataDir = await mkdtemp(path.join(os.tmpdir(), "loupe-demo-"));
    await expect(seedDemo(db, dataDir, { log: (s) => logs.push(s) })).resolves.toEqual({ created: true, pairs: 240 });
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function demoProject() {
    return db.prisma.project.findUniqueOrThrow({ where: { name: DEMO_PROJECT_NAME } });
  }

  it("creates the sign-in users, the disabled simulated annotators and a project with the demo's quality rules", async () => {
    expect(logs.length).toBeGreaterThan(0);
    const users = await db.prisma.user.findMany({ orderBy: { id: "asc" } });
    expect(users.map((u) => u.email).sort()).toEqual(
      [...DEMO_USERS.map((u) => u.email), ...DEMO_SIMULATED_ANNOTATORS.map((a) => a.email)].sort(),
    );
    expect(users.every((u) => u.isDemo)).toBe(true);
    expect(users.find((u) => u.email === "admin@loupe.local")?.role).toBe("admin");
    expect(users.filter((u) => !u.disabled).map((u) => u.email).sort()).toEqual(DEMO_USERS.map((u) => u.email).sort());
    expect(users.filter((u) => u.disabled).map((u) => u.name).sort()).toEqual(["Sim Annotator 1", "Sim Annotator 2", "Sim Annotator 3"]);
    expect(await verifyPassword(DEMO_PASSWORD, users[0]!.passwordHash)).toBe(true);

    const project = await demoProject();
    expect(project).toMatchObject({ isDemo: true, overlap: 2, leaseSeconds: 600, goldMinCount: 5, verifierRule: "auto" });
    expect(project.goldRate).toBeCloseTo(0.1, 6);
    expect(project.goldAccuracyThreshold).toBeCloseTo(0.7, 6);
    expect(project.rejectReasons).toEqual(DEFAULT_REJECT_REASONS);
    expect(project.guidelines).toContain("Re-caption");
  });

  it("renders 240 pairs with their images, 24 of them active gold whose expected answer is the generator's truth", async () => {
    const project = await demoProject();
    const pairs = await db.prisma.pair.findMany({ where: { projectId: project.id }, orderBy: { externalId: "asc" } });
    expect(pairs).toHaveLength(240);
    expect(pairs[0]!.externalId).toBe("demo-0001");
    expect(pairs.every((p) => p.wanted === 2 && p.modelVersion === "demo-verifier-0.1" && p.verifierScores !== null)).toBe(true);
    expect(pairs.filter((p) => !truthOf(p).valid)).toHaveLength(60);

    const gold = pairs.filter((p) => p.isGold);
    expect(gold).toHaveLength(24);
    expect(gold.map((p) => p.externalId).sort()).toEqual([...pickDemoGold(generateDemoPairs(240))].sort());
    for (const p of gold) {
      const truth = truthOf(p);
      expect(p.goldActive).toBe(true);
      expect(p.goldDecision).toBe(truth.valid ? "accept" : "reject");
      expect(p.goldReasons).toEqual(truth.flaw ? FLAW_REASONS[truth.flaw] : []);
      expect(p).toMatchObject({ status: "final", finalDecision: p.goldDecision, finalReasons: p.goldReasons, finalInstruction: p.instruction, finalSource: "gold" });
      expect(p.finalizedAt).not.toBeNull();
    }
    // Balanced: gold tests spotting flaws as much as passing good edits.
    expect(gold.filter((p) => p.goldDecision === "accept")).toHaveLength(12);
    expect(new Set(gold.filter((p) => p.goldDecision === "reject").map((p) => truthOf(p).flaw)).size).toBe(4);

    const shas = new Set(pairs.flatMap((p) => [p.sourceImage, p.editedImage]));
    const images = await db.prisma.image.findMany({ where: { sha256: { in: [...shas] } } });
    expect(images).toHaveLength(shas.size);
    for (const img of images.slice(0, 20)) {
      expect(img).toMatchObject({ mime: "image/webp", width: 512, height: 384 });
      const st = await stat(imagePath(dataDir, img.sha256));
      expect(st.size).toBe(img.byteSize);
    }
  });

  it("simulates a week of labelling through the real triggers: finals, review for every reason, gold checks and audit rows", async () => {
    const project = await demoProject();
    const labels = await db.prisma.label.findMany({ where: { projectId: project.id }, include: { annotator: true } });
    expect(labels.length).toBeGreaterThan(150);
    expect(new Set(labels.map((l) => l.annotator.email))).toEqual(new Set(DEMO_SIMULATED_ANNOTATORS.map((a) => a.email)));
    expect(labels.every((l) => l.secondsSpent >= 3 && l.secondsSpent <= 25)).toBe(true);
    const now = Date.now();
    expect(labels.every((l) => l.createdAt.getTime() < now && l.createdAt.getTime() > now - 7 * 24 * 3600 * 1000)).toBe(true);
    expect(new Set(labels.map((l) => l.createdAt.toISOString().slice(0, 10))).size).toBeGreaterThanOrEqual(6);
    const goldChecks = labels.filter((l) => l.goldCorrect !== null);
    expect(new Set(goldChecks.map((l) => l.annotatorId)).size).toBe(3);

    const audit = await db.prisma.auditEvent.findMany({ where: { action: "label.create" } });
    expect(audit).toHaveLength(labels.length);
    const byLabel = new Map(labels.map((l) => [String(l.id), l]));
    for (const a of audit) {
      const label = byLabel.get((a.data as { labelId: string }).labelId)!;
      expect(a).toMatchObject({ actorId: label.annotatorId, subjectId: String(label.pairId) });
      expect(a.createdAt).toEqual(label.createdAt);
    }

    const pairs = await db.prisma.pair.findMany({ where: { projectId: project.id, isGold: false } });
    const consensus = pairs.filter((p) => p.finalSource === "consensus");
    expect(consensus.length).toBeGreaterThan(15);
    expect(consensus.every((p) => p.agreement === 1 && p.finalizedAt!.getTime() < now - 12 * 3600 * 1000)).toBe(true);
    const review = pairs.filter((p) => p.status === "in_review");
    expect(review.length).toBeGreaterThan(5);
    expect(new Set(review.flatMap((p) => p.reviewReasons))).toEqual(new Set(["decision", "recaption", "verifier"]));
    expect(review.every((p) => p.routedAt !== null && p.agreement !== null)).toBe(true);
    // The scripted pairs route for exactly their reason.
    const { scenarios } = planDemoHistory(generateDemoPairs(240), pickDemoGold(generateDemoPairs(240)), new Date());
    for (const reason of ["decision", "recaption", "verifier"] as const) {
      const p = pairs.find((x) => x.externalId === scenarios[reason]);
      expect(p, reason).toMatchObject({ status: "in_review", reviewReasons: [reason] });
    }

    const [counts] = await db.prisma.$queryRaw<{ open: number; in_review: number; final: number; labels: number }[]>`
      SELECT sum(open)::int AS open, sum(in_review)::int AS in_review, sum(final)::int AS final, sum(labels)::int AS labels
      FROM project_counts WHERE project_id = ${project.id}`;
    expect(counts).toEqual({
      open: pairs.filter((p) => p.status === "open").length,
      in_review: review.length,
      final: consensus.length + 24,
      labels: labels.length,
    });
  });

  it("pauses the careless simulated annotator through the gold trigger, with its audit row", async () => {
    const project = await demoProject();
    const careless = await db.prisma.user.findUniqueOrThrow({ where: { email: DEMO_SIMULATED_ANNOTATORS[2]!.email } });
    const standings = await db.prisma.projectAnnotator.findMany({ where: { projectId: project.id } });
    expect(standings).toHaveLength(1);
    expect(standings[0]).toMatchObject({ userId: careless.id, liftedAt: null });
    expect(standings[0]!.pauseReason).toMatch(/right \d of \d+ times \(\d+%\), under this project's 70% minimum/);
    const paused = await db.prisma.auditEvent.findMany({ where: { action: "annotator.paused" } });
    expect(paused).toHaveLength(1);
    expect(paused[0]).toMatchObject({ subjectType: "user", subjectId: String(careless.id), actorId: null });
    const data = paused[0]!.data as { projectId: number; checks: number; correct: number; labelId: string };
    expect(data).toMatchObject({ projectId: project.id, checks: 5 });
    expect(data.correct).toBeLessThanOrEqual(3);
    // The pause is dated at the gold check that caused it, and nothing of theirs came after it.
    const cause = await db.prisma.label.findUniqueOrThrow({ where: { id: BigInt(data.labelId) } });
    expect(cause.annotatorId).toBe(careless.id);
    expect(standings[0]!.pausedAt).toEqual(cause.createdAt);
    expect(await db.prisma.label.count({ where: { annotatorId: careless.id, createdAt: { gt: cause.createdAt } } })).toBe(0);
  });

  it("leaves most pairs for the demo annotators, who can claim one", async () => {
    const project = await demoProject();
    const open = await db.prisma.pair.count({ where: { projectId: project.id, isGold: false, taken: { lt: 2 } } });
    expect(open).toBeGreaterThan(216 / 2);
    for (const email of ["annotator@loupe.local", "annotator2@loupe.local"]) {
      const user = await db.prisma.user.findUniqueOrThrow({ where: { email } });
      const pair = await claimNextPair(db, { projectId: project.id, userId: user.id });
      expect(pair, email).not.toBeNull();
      expect(pair!.instruction.length).toBeGreaterThan(0);
    }
  });

  it("is a no-op when run again", async () => {
    const before = await db.prisma.pair.findMany({ select: { id: true, status: true }, orderBy: { id: "asc" } });
    const labels = await db.prisma.label.count();
    const result = await seedDemo(db, dataDir);
    expect(result).toEqual({ created: false, pairs: 240 });
    expect(await db.prisma.pair.findMany({ select: { id: true, status: true }, orderBy: { id: "asc" } })).toEqual(before);
    expect(await db.prisma.label.count()).toBe(labels);
    expect(await db.prisma.user.count()).toBe(ALL_USERS);
    expect(await db.prisma.project.count()).toBe(1);
  });

  it("finishes a half-done seed: the missing pairs, then the history", async () => {
    const other = await freshDatabase(engine);
    try {
      await seedDemo(other, dataDir, { count: 40 });
      const project = await other.prisma.project.findUniqueOrThrow({ where: { name: DEMO_PROJECT_NAME } });
      const labelsBefore = await other.prisma.label.findMany({ select: { pairId: true, annotatorId: true, decision: true }, orderBy: { id: "asc" } });
      expect(labelsBefore.length).toBeGreaterThan(20);
      // The state a crash while inserting pairs leaves: no history yet (it is written last, in one
      // transaction), some pairs missing. Deleting the labels re-opens their pairs through the trigger.
      await other.prisma.label.deleteMany({ where: { projectId: project.id } });
      await other.prisma.auditEvent.deleteMany({});
      await other.prisma.projectAnnotator.deleteMany({});
      await other.prisma.pair.deleteMany({ where: { projectId: project.id, externalId: { gt: "demo-0025" } } });
      await other.prisma.user.delete({ where: { email: "annotator2@loupe.local" } });
      expect(await other.prisma.pair.count({ where: { projectId: project.id, isGold: false, status: { not: "open" } } })).toBe(0);

      const result = await seedDemo(other, dataDir, { count: 40 });
      expect(result).toEqual({ created: true, pairs: 40 });
      expect(await other.prisma.user.count()).toBe(ALL_USERS);
      expect(await other.prisma.pair.count({ where: { projectId: project.id, isGold: true } })).toBe(4);
      const labelsAfter = await other.prisma.label.findMany({ select: { pairId: true, annotatorId: true, decision: true }, orderBy: { id: "asc" } });
      const key = (l: { pairId: bigint; annotatorId: number; decision: string }) => `${l.annotatorId}:${l.decision}`;
      expect(labelsAfter.map(key)).toEqual(labelsBefore.map(key));
      expect(await other.prisma.auditEvent.count({ where: { action: "label.create" } })).toBe(labelsAfter.length);
    } finally {
      await other.close();
    }
  }, 60_000);

  it("stores images content-addressed and refuses non-images", async () => {
    await expect(putImage(db, dataDir, Buffer.from("not an image at all"))).rejects.toBeInstanceOf(InvalidImageError);
    await expect(putImage(db, dataDir, Buffer.alloc(0))).rejects.toBeInstanceOf(InvalidImageError);
    expect(() => imagePath(dataDir, "../../etc/passwd")).toThrow();
    expect(() => imagePath(dataDir, "A".repeat(64))).toThrow();
    const any = await db.prisma.image.findFirstOrThrow();
    expect(imagePath(dataDir, any.sha256)).toBe(path.join(dataDir, "images", any.sha256.slice(0, 2), any.sha256));
  });

  it("refuses a database that holds real data", async () => {
    const other = await freshDatabase(engine);
    try {
      await other.prisma.user.create({
        data: { email: "someone@example.com", name: "Someone", passwordHash: "x", role: "annotator" },
      });
      await expect(seedDemo(other, dataDir, { count: 40 })).rejects.toBeInstanceOf(DemoRefusedError);
      await expect(seedDemo(other, dataDir, { count: 40 })).rejects.toThrow(/someone@example\.com/);
      expect(await other.prisma.project.count()).toBe(0);
    } finally {
      await other.close();
    }
  });

  it("restarting a seeded demo after people added their own users is a no-op, not a refusal", async () => {
    await db.prisma.user.create({
      data: { email: "added-later@example.com", name: "Later", passwordHash: "x", role: "annotator" },
    });
    await expect(seedDemo(db, dataDir)).resolves.toEqual({ created: false, pairs: 240 });
  });
});
