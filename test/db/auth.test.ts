import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countAttempt, forgiveAttempt, lockedForSeconds, lockIfSpent, pruneThrottle } from "@/lib/auth/throttle";
import { signIn, signInAddress, SignInError } from "@/lib/auth/signin";
import { resetEnvCache } from "@/lib/env";
import type { Db } from "@/lib/db/connect";
import { createUser, setUserDisabled, setUserRole } from "@/lib/users/service";
import { claimNextPair } from "@/lib/queue/claim";
import { engines, freshDatabase, type TestDatabase } from "../support/db";
import { makeProject } from "../support/fixtures";

/** A failed attempt as the sign-in makes it: counted first, then the lock if the count is spent. */
async function recordFailure(db: Db, email: string, ip: string | null): Promise<void> {
  await lockIfSpent(db, await countAttempt(db, email, ip));
}

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
    // a success forgives the account (the lock itself stays until it ends)
    await db.query(`UPDATE auth_throttle SET locked_until = NULL WHERE key = $1`, [`email:${email}`]);
    await forgiveAttempt(db, email, null);
    expect(await lockedForSeconds(db, email, "10.0.0.99")).toBe(0);
    expect(await db.query(`SELECT 1 FROM auth_throttle WHERE key = $1`, [`email:${email}`])).toEqual([]);
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

  it("gives 200 parallel guesses no more password checks than the limit", async () => {
    const db = t;
    const u = await createUser(db, null, { email: "parallel@test.local", name: "P", role: "annotator", password: "the-right-password" });
    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => signIn(db, u.email, `guess-${i}`, null)));
    const messages = results.map((r) => (r.status === "rejected" && r.reason instanceof SignInError ? r.reason.message : "signed in"));
    const checked = messages.filter((m) => m.startsWith("Email or password is incorrect")).length;
    expect(checked).toBe(8);
    expect(messages.filter((m) => m.startsWith("Too many failed")).length).toBe(192);
    // the password itself is refused while the lock lasts
    await expect(signIn(db, u.email, "the-right-password", null)).rejects.toThrow(/Too many failed/);
    const audited = await db.prisma.auditEvent.groupBy({ by: ["action"], where: { action: { in: ["auth.signin_failed", "auth.locked"] }, subjectId: String(u.id) }, _count: true });
    expect(Object.fromEntries(audited.map((a) => [a.action, a._count]))).toEqual({ "auth.signin_failed": 8, "auth.locked": 1 });
  });

  it("warns the owner before the lock, and a success starts the count afresh", async () => {
    const db = t;
    const u = await createUser(db, null, { email: "owner@test.local", name: "O", role: "annotator", password: "the-right-password" });
    const fail = async () => signIn(db, u.email, "wrong", null).then(() => "signed in", (e: Error) => e.message);
    for (let i = 0; i < 5; i++) expect(await fail()).toBe("Email or password is incorrect.");
    expect(await fail()).toMatch(/2 more failed attempts will pause sign-in to this account for 15 minutes/);
    expect((await signIn(db, u.email, "the-right-password", null)).id).toBe(u.id);
    for (let i = 0; i < 5; i++) expect(await fail()).toBe("Email or password is incorrect.");
    expect(await fail()).toMatch(/2 more/);
    expect(await fail()).toMatch(/1 more failed attempt will/);
    expect(await fail()).toMatch(/now paused for 15 minutes/);
    expect(await fail()).toMatch(/Too many failed sign-in attempts/);
  });

  it("believes X-Forwarded-For only through LOUPE_TRUSTED_PROXIES, and prunes spent rows", async () => {
    expect(signInAddress("198.51.100.7")).toBeNull();
    process.env.LOUPE_TRUSTED_PROXIES = "10.0.0.1";
    resetEnvCache();
    try {
      expect(signInAddress("6.6.6.6, 198.51.100.7")).toBe("198.51.100.7");
    } finally {
      delete process.env.LOUPE_TRUSTED_PROXIES;
      resetEnvCache();
    }
    const db = t;
    await db.query(`INSERT INTO auth_throttle (key, failures, window_start) VALUES ('email:old@test.local', 3, now() - interval '2 hours'),
      ('email:locked@test.local', 9, now() - interval '2 hours')`);
    await db.query(`UPDATE auth_throttle SET locked_until = now() + interval '1 minute' WHERE key = 'email:locked@test.local'`);
    expect(await pruneThrottle(db)).toBeGreaterThanOrEqual(1);
    const keys = (await db.query<{ key: string }>(`SELECT key FROM auth_throttle WHERE key IN ('email:old@test.local', 'email:locked@test.local')`)).map((r) => r.key);
    expect(keys).toEqual(["email:locked@test.local"]);
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
