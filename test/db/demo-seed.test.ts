import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, freshDatabase, type TestDatabase } from "@/test/support/db";
import { verifyPassword } from "@/lib/auth/password";
import { InvalidImageError, imagePath, putImage } from "@/lib/images/store";
import { DEFAULT_REJECT_REASONS } from "@/lib/projects/reasons";
import { DEMO_PASSWORD, DEMO_PROJECT_NAME, DEMO_USERS, DemoRefusedError, seedDemo } from "@/lib/demo/seed";

describe.each(engines())("seedDemo on $engine", ({ engine }) => {
  let db: TestDatabase;
  let dataDir: string;
  const logs: string[] = [];

  beforeAll(async () => {
    db = await freshDatabase(engine);
    dataDir = await mkdtemp(path.join(os.tmpdir(), "loupe-demo-"));
  });

  afterAll(async () => {
    await db?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("creates the demo users, project, images and pairs", async () => {
    const result = await seedDemo(db.prisma, dataDir, { count: 40, log: (s) => logs.push(s) });
    expect(result).toEqual({ created: true, pairs: 40 });
    expect(logs.length).toBeGreaterThan(0);

    const users = await db.prisma.user.findMany({ orderBy: { id: "asc" } });
    expect(users.map((u) => u.email).sort()).toEqual(DEMO_USERS.map((u) => u.email).sort());
    expect(users.every((u) => u.isDemo)).toBe(true);
    expect(users.find((u) => u.email === "admin@loupe.local")?.role).toBe("admin");
    expect(await verifyPassword(DEMO_PASSWORD, users[0]!.passwordHash)).toBe(true);

    const project = await db.prisma.project.findUniqueOrThrow({ where: { name: DEMO_PROJECT_NAME } });
    expect(project.isDemo).toBe(true);
    expect(project.overlap).toBe(1);
    expect(project.leaseSeconds).toBe(600);
    expect(project.rejectReasons).toEqual(DEFAULT_REJECT_REASONS);
    expect(project.guidelines).toContain("Re-caption");

    const pairs = await db.prisma.pair.findMany({ where: { projectId: project.id }, orderBy: { externalId: "asc" } });
    expect(pairs).toHaveLength(40);
    expect(pairs[0]!.externalId).toBe("demo-0001");
    expect(pairs.every((p) => p.wanted === project.overlap && p.taken === 0 && p.status === "open")).toBe(true);
    const flawed = pairs.filter((p) => (p.metadata as { demo: { truth: { valid: boolean } } }).demo.truth.valid === false);
    expect(flawed.length).toBe(10);
    expect(pairs.every((p) => p.modelVersion === "demo-verifier-0.1" && p.vsInstructionFollowing !== null)).toBe(true);

    const shas = new Set(pairs.flatMap((p) => [p.sourceImage, p.editedImage]));
    const images = await db.prisma.image.findMany({ where: { sha256: { in: [...shas] } } });
    expect(images).toHaveLength(shas.size);
    for (const img of images) {
      expect(img).toMatchObject({ mime: "image/webp", width: 512, height: 384 });
      const st = await stat(imagePath(dataDir, img.sha256));
      expect(st.size).toBe(img.byteSize);
    }
  });

  it("is a no-op when run again", async () => {
    const before = await db.prisma.pair.findMany({ select: { id: true }, orderBy: { id: "asc" } });
    const result = await seedDemo(db.prisma, dataDir, { count: 40 });
    expect(result).toEqual({ created: false, pairs: 40 });
    const after = await db.prisma.pair.findMany({ select: { id: true }, orderBy: { id: "asc" } });
    expect(after).toEqual(before);
    expect(await db.prisma.user.count()).toBe(4);
    expect(await db.prisma.project.count()).toBe(1);
  });

  it("finishes a half-done seed", async () => {
    const project = await db.prisma.project.findUniqueOrThrow({ where: { name: DEMO_PROJECT_NAME } });
    await db.prisma.pair.deleteMany({ where: { projectId: project.id, externalId: { gt: "demo-0025" } } });
    await db.prisma.user.delete({ where: { email: "annotator2@loupe.local" } });
    const result = await seedDemo(db.prisma, dataDir, { count: 40 });
    expect(result).toEqual({ created: true, pairs: 40 });
    expect(await db.prisma.user.count()).toBe(4);
  });

  it("stores images content-addressed and refuses non-images", async () => {
    await expect(putImage(db.prisma, dataDir, Buffer.from("not an image at all"))).rejects.toBeInstanceOf(InvalidImageError);
    await expect(putImage(db.prisma, dataDir, Buffer.alloc(0))).rejects.toBeInstanceOf(InvalidImageError);
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
      await expect(seedDemo(other.prisma, dataDir, { count: 40 })).rejects.toBeInstanceOf(DemoRefusedError);
      await expect(seedDemo(other.prisma, dataDir, { count: 40 })).rejects.toThrow(/someone@example\.com/);
      expect(await other.prisma.project.count()).toBe(0);
    } finally {
      await other.close();
    }
  });

  it("restarting a seeded demo after people added their own users is a no-op, not a refusal", async () => {
    await db.prisma.user.create({
      data: { email: "added-later@example.com", name: "Later", passwordHash: "x", role: "annotator" },
    });
    await expect(seedDemo(db.prisma, dataDir, { count: 40 })).resolves.toEqual({ created: false, pairs: 40 });
  });
});
