import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearFailures, lockedForSeconds, recordFailure } from "@/lib/auth/throttle";
import { createUser, setUserDisabled, setUserRole } from "@/lib/users/service";
import { claimNextPair } from "@/lib/queue/claim";
import { engines, freshDatabase, type TestDatabase } from "../support/db";
import { makeProject } from "../support/fixtures";

describe.each(engines())("sign-in throttle and user administration on $engine", ({ engine }) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase(engine);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("locks an account after 8 failures and unlocks when cleared", async () => {
    const db = t;
    const email = "victim@test.local";
    for (let i = 0; i < 7; i++) await recordFailure(db, email, `10.0.0.${i}`);
    expect(await lockedForSeconds(db, email, "10.0.0.99")).toBe(0);
    await recordFailure(db, email, "10.0.0.8");
    const wait = await lockedForSeconds(db, email, "10.0.0.99");
    expect(wait).toBeGreaterThan(800);
    expect(wait).toBeLessThanOrEqual(900);
    expect(await lockedForSeconds(db, "other@test.local", "10.9.9.9")).toBe(0);
    await clearFailures(db, email);
    expect(await lockedForSeconds(db, email, "10.0.0.99")).toBe(0);
  });

  it("locks an address after 5x the per-account limit spread over many accounts", async () => {
    const db = t;
    const ip = "203.0.113.7";
    for (let i = 0; i < 39; i++) await recordFailure(db, `spray${i}@test.local`, ip);
    expect(await lockedForSeconds(db, "fresh@test.local", ip)).toBe(0);
    await recordFailure(db, "spray39@test.local", ip);
    expect(await lockedForSeconds(db, "fresh@test.local", ip)).toBeGreaterThan(0);
    expect(await lockedForSeconds(db, "fresh@test.local", "198.51.100.1")).toBe(0);
  });

  it("stores emails case-insensitively and refuses duplicates", async () => {
    const db = t;
    const u = await createUser(db, null, { email: "Mixed.Case@Test.Local", name: "M", role: "annotator", password: "long-enough-pw" });
    expect(u.email).toBe("mixed.case@test.local");
    await expect(
      createUser(db, null, { email: "MIXED.case@test.local", name: "M2", role: "annotator", password: "long-enough-pw" }),
    ).rejects.toThrow(/already exists/);
    // the database itself refuses an upper-case email written around the service
    await expect(
      db.prisma.$executeRaw`INSERT INTO users (email, name, password_hash) VALUES ('UP@test.local', 'x', 'x')`,
    ).rejects.toThrow(/users_email_lower_check|check constraint/);
    expect(await db.prisma.auditEvent.count({ where: { action: "user.create", subjectId: String(u.id) } })).toBe(1);
  });

  it("keeps one active admin, and disabling someone returns their open leases", async () => {
    const db = t;
    const admin = await createUser(db, null, { email: "only-admin@test.local", name: "A", role: "admin", password: "long-enough-pw" });
    await db.prisma.user.updateMany({ where: { role: "admin", id: { not: admin.id } }, data: { disabled: true } });
    await expect(setUserRole(db, admin.id, admin.id, "annotator")).rejects.toThrow(/last active admin/);
    await expect(setUserDisabled(db, admin.id, admin.id, true)).rejects.toThrow(/your own account/);
    const ann = await createUser(db, null, { email: "worker@test.local", name: "W", role: "annotator", password: "long-enough-pw" });
    const project = await makeProject(db, { pairs: 2, overlap: 1 });
    const pair = await claimNextPair(t, { projectId: project.id, userId: ann.id });
    expect(pair).not.toBeNull();
    await setUserDisabled(db, admin.id, ann.id, true);
    expect(await db.prisma.lease.count({ where: { annotatorId: ann.id } })).toBe(0);
    const p = await db.prisma.pair.findUniqueOrThrow({ where: { id: BigInt(pair!.id) } });
    expect(p.taken).toBe(0);
    const promoted = await setUserRole(db, admin.id, ann.id, "reviewer");
    expect(promoted.role).toBe("reviewer");
    const actions = (await db.prisma.auditEvent.findMany({ where: { subjectId: String(ann.id) }, orderBy: { id: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(["user.create", "user.disable", "user.role"]);
  });
});
