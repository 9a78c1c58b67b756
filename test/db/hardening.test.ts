import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { engines, freshDatabase, type TestDatabase } from "@/test/support/db";
import { makeProject } from "@/test/support/fixtures";
import { call, sessionCookie, TEST_ORIGIN, useTestDatabase } from "@/test/support/http";
import { runAuthorizationMatrix } from "@/test/support/authz-matrix";
import { createApiToken } from "@/lib/pipeline-api/tokens";
import { resetEnvCache } from "@/lib/env";
import { openDatabase } from "@/lib/db/connect";
import { POST as createProjectRoute } from "@/app/api/projects/route";
import { GET as progressRoute } from "@/app/api/projects/[projectId]/progress/route";
import { changePassword, createResetLink, resetPassword, signOutEverywhere } from "@/lib/auth/sessions";
import { signIn } from "@/lib/auth/signin";
import { createUser, setUserDisabled } from "@/lib/users/service";
import { randomUUID } from "node:crypto";
import { claimNextPair } from "@/lib/queue/claim";
import { submitLabel, undoLastLabel } from "@/lib/queue/submit";
import { getProgress } from "@/lib/queue/progress";
import { promotePair } from "@/lib/quality/gold";
import { adjudicatePair, claimReviewPair, renewReviewClaim } from "@/lib/review/service";
import { POST as postPairsRoute } from "@/app/api/v1/projects/[projectId]/pairs/route";
import { POST as skipRoute } from "@/app/api/pairs/[pairId]/skip/route";
import { PUT as uploadRoute } from "@/app/api/uploads/route";

vi.mock("next/headers", () => import("@/test/support/next-headers"));

describe.each(engines())("hardening ($engine)", ({ engine }) => {
  let t: TestDatabase;
  let admin: number;
  let adminCookie: string;

  beforeAll(async () => {
    t = await freshDatabase(engine);
    useTestDatabase(t);
    resetEnvCache();
    admin = (await t.prisma.user.create({ data: { email: `admin-${engine}@test.local`, name: "Admin", passwordHash: "x", role: "admin" } })).id;
    adminCookie = await sessionCookie(admin);
  });
  afterAll(async () => {
    await t?.close();
  });

  const projectCount = async () => t.prisma.project.count();

  describe("cross-site requests", () => {
    it("refuses a cross-site text/plain or JSON POST riding the admin's cookie, and changes nothing", async () => {
      const before = await projectCount();
      const body = JSON.stringify({ name: "forged" });
      const forms = await call(createProjectRoute, {
        method: "POST",
        path: "/api/projects",
        cookie: adminCookie,
        headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site", "content-type": "text/plain" },
        body,
      });
      expect(forms.status).toBe(403);
      const json = await call(createProjectRoute, {
        method: "POST",
        path: "/api/projects",
        cookie: adminCookie,
        headers: { origin: "https://evil.example", "content-type": "application/json" },
        body,
      });
      expect(json.status).toBe(403);
      expect(((await json.json()) as { error: { message: string } }).error.message).toMatch(/another site/);
      // same origin, but a body a form could send without a preflight: not JSON, not taken
      const plain = await call(createProjectRoute, {
        method: "POST",
        path: "/api/projects",
        cookie: adminCookie,
        headers: { origin: TEST_ORIGIN, "content-type": "text/plain" },
        body,
      });
      expect(plain.status).toBe(415);
      // a cross-site POST to a route that takes no body is refused too
      const [pair] = await t.prisma.pair.findMany({ take: 1 });
      const skip = await call(skipRoute, {
        method: "POST",
        path: `/api/pairs/${pair?.id ?? "1"}/skip`,
        params: { pairId: String(pair?.id ?? "1") },
        cookie: adminCookie,
        headers: { "sec-fetch-site": "same-site" },
      });
      expect(skip.status).toBe(403);
      expect(await projectCount()).toBe(before);
      expect(await t.prisma.skip.count()).toBe(0);
    });

    it("takes the same request from Loupe's own origin", async () => {
      const before = await projectCount();
      const res = await call(createProjectRoute, {
        method: "POST",
        path: "/api/projects",
        cookie: adminCookie,
        headers: { origin: TEST_ORIGIN, "sec-fetch-site": "same-origin", "content-type": "application/json" },
        body: JSON.stringify({ name: `own-${engine}` }),
      });
      expect(res.status).toBe(200);
      expect(await projectCount()).toBe(before + 1);
    });

    it("leaves API-token requests alone: no cookie, so nothing to forge", async () => {
      const project = await makeProject(t, { pairs: 1 });
      const { token } = await createApiToken(t, admin, { name: "pipeline", projectIds: [project.id], expiresInDays: null });
      const res = await call(postPairsRoute, {
        method: "POST",
        path: `/api/v1/projects/${project.id}/pairs`,
        params: { projectId: String(project.id) },
        headers: { authorization: `Bearer ${token}`, origin: "https://ci.example", "content-type": "text/plain" },
        body: JSON.stringify({ pairs: [] }),
      });
      // past the origin and media-type checks, to the body's own validation
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid");
    });
  });

  describe("bounded requests", () => {
    it("answers 413 for a declared Content-Length over the cap, before the body is read", async () => {
      const res = await call(createProjectRoute, {
        method: "POST",
        path: "/api/projects",
        cookie: adminCookie,
        headers: { "content-type": "application/json", "content-length": String(2 * 1024 * 1024) },
        body: "{}",
      });
      expect(res.status).toBe(413);
    });

    it("answers 413 for a streamed body that grows past the cap without declaring its length", async () => {
      const chunk = new Uint8Array(256 * 1024).fill(0x20);
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent++ < 64) c.enqueue(chunk);
          else c.close();
        },
      });
      const before = await projectCount();
      const res = await call(createProjectRoute, {
        method: "POST",
        path: "/api/projects",
        cookie: adminCookie,
        headers: { "content-type": "application/json" },
        body: stream,
      });
      expect(res.status).toBe(413);
      // the stream stopped well short of its 16 MB
      expect(sent).toBeLessThan(64);
      expect(await projectCount()).toBe(before);
    });

    // PGlite is one connection in this process: nothing could cancel a statement, so there is no timeout to test.
    if (engine === "postgres") {
      it("runs a web process's statements under the statement timeout", async () => {
        const url = new URL(process.env.TEST_DATABASE_URL!);
        url.pathname = `/${t.label.slice("postgres:".length)}`;
        const bounded = await openDatabase({ kind: "server", url: url.toString(), poolSize: 1, statementTimeoutMs: 300 });
        try {
          await expect(bounded.query("SELECT pg_sleep(5)")).rejects.toThrow(/statement timeout/);
          await expect(bounded.transaction((tx) => tx.query("SELECT pg_sleep(5)"))).rejects.toThrow(/statement timeout/);
          expect(await bounded.query<{ one: number }>("SELECT 1 AS one")).toEqual([{ one: 1 }]);
        } finally {
          await bounded.close();
        }
      });
    }

    it("refuses an upload whose declared size is over the upload cap", async () => {
      process.env.LOUPE_UPLOAD_MAX_BYTES = "1000";
      resetEnvCache();
      try {
        const res = await call(uploadRoute, {
          method: "PUT",
          path: "/api/uploads?name=x.jsonl",
          cookie: adminCookie,
          headers: { "content-length": "5000", "content-type": "application/octet-stream" },
          body: new Uint8Array(5000),
        });
        expect(res.status).toBe(413);
        expect(await t.prisma.upload.count()).toBe(0);
      } finally {
        delete process.env.LOUPE_UPLOAD_MAX_BYTES;
        resetEnvCache();
      }
    });
  });

  describe("sessions you can end", () => {
    let project: { id: number };
    beforeAll(async () => {
      project = await makeProject(t, { pairs: 2 });
    });
    const progress = async (cookie: string) =>
      (await call(progressRoute, { method: "GET", path: `/api/projects/${project.id}/progress`, params: { projectId: String(project.id) }, cookie })).status;
    async function session(email: string, password: string): Promise<string> {
      const u = await signIn(t, email, password, null);
      return sessionCookie(u.id, u.sessionVersion);
    }

    it("sign out everywhere ends every session; a password change ends every other one", async () => {
      const u = await createUser(t, null, { email: `sess-${engine}@test.local`, name: "S", role: "annotator", password: "first-password" });
      const [laptop, phone] = [await session(u.email, "first-password"), await session(u.email, "first-password")];
      expect([await progress(laptop), await progress(phone)]).toEqual([200, 200]);
      await signOutEverywhere(t, u.id);
      expect([await progress(laptop), await progress(phone)]).toEqual([401, 401]);

      const here = await session(u.email, "first-password");
      const there = await session(u.email, "first-password");
      await expect(changePassword(t, u.id, "not-the-password", "second-password")).rejects.toThrow(/current password/);
      expect(await progress(there)).toBe(200);
      const sv = await changePassword(t, u.id, "first-password", "second-password");
      // the asking session gets a fresh cookie at the new version (reissueSessionCookie); the rest are over
      expect([await progress(here), await progress(there), await progress(await sessionCookie(u.id, sv))]).toEqual([401, 401, 200]);
      await expect(signIn(t, u.email, "first-password", null)).rejects.toThrow(/incorrect/);
      expect(await progress(await session(u.email, "second-password"))).toBe(200);
    });

    it("an admin's one-time reset link sets the password once and ends every session", async () => {
      const u = await createUser(t, null, { email: `reset-${engine}@test.local`, name: "R", role: "annotator", password: "forgotten-password" });
      const old = await session(u.email, "forgotten-password");
      const first = await createResetLink(t, admin, u.id, "admin");
      const link = await createResetLink(t, admin, u.id, "admin");
      expect(link.url).toMatch(/\/reset\/[A-Za-z0-9_-]{43}$/);
      // the newer link replaces the older
      await expect(resetPassword(t, first.token, "brand-new-password")).rejects.toThrow(/expired or was already used/);
      expect(await progress(old)).toBe(200);
      await resetPassword(t, link.token, "brand-new-password");
      expect(await progress(old)).toBe(401);
      await expect(resetPassword(t, link.token, "another-password")).rejects.toThrow(/expired or was already used/);
      expect(await progress(await session(u.email, "brand-new-password"))).toBe(200);
      const actions = (await t.prisma.auditEvent.findMany({ where: { subjectId: String(u.id), action: { startsWith: "auth.reset" } } })).length;
      expect(actions).toBe(2);
    });

    it("disabling ends sessions for good: enabling again does not revive the old cookie", async () => {
      const u = await createUser(t, null, { email: `dis-${engine}@test.local`, name: "D", role: "annotator", password: "a-fine-password" });
      const cookie = await session(u.email, "a-fine-password");
      await setUserDisabled(t, admin, u.id, true);
      expect(await progress(cookie)).toBe(401);
      await setUserDisabled(t, admin, u.id, false);
      expect(await progress(cookie)).toBe(401);
      expect(await progress(await session(u.email, "a-fine-password"))).toBe(200);
    });
  });

  describe("gold stays hidden", () => {
    async function goldProject() {
      const project = await makeProject(t, { pairs: 26, overlap: 1 });
      const gold = await t.prisma.pair.findFirstOrThrow({ where: { projectId: project.id }, orderBy: { id: "desc" } });
      await t.query(
        `UPDATE pairs SET status = 'final', final_decision = 'accept', final_source = 'review', finalized_at = now(), reviewed_at = now() WHERE id = $1`,
        [String(gold.id)],
      );
      await promotePair(t, admin, project.id, gold.id);
      return { project, goldId: gold.id };
    }
    const decide = (userId: number, pairId: string, decision: "accept" | "reject") =>
      submitLabel(t, userId, { pairId: BigInt(pairId), submissionId: randomUUID(), decision, reasons: decision === "reject" ? ["artifacts"] : [], secondsSpent: 2 });

    it("moves 'pairs left' alike for a gold and a regular decision, and undo of gold works and keeps the first score", async () => {
      const { project, goldId } = await goldProject();
      const [ann] = await Promise.all([createUser(t, null, { email: `gold-${engine}@test.local`, name: "G", role: "annotator", password: "a-fine-password" })]);
      await t.prisma.project.update({ where: { id: project.id }, data: { goldRate: 0.5 } });
      const before = await getProgress(t, ann!.id, project.id);
      // the gold pair served (the claim picks gold at random; the lease is what it would write)
      await t.query(`INSERT INTO leases (pair_id, project_id, annotator_id, expires_at, slot) VALUES ($1, $2, $3, now() + interval '10 minutes', 1)`, [
        String(goldId),
        project.id,
        ann!.id,
      ]);
      const served = { id: String(goldId) };
      await decide(ann!.id, served!.id, "reject"); // the gold answer is accept: wrong
      const afterGold = await getProgress(t, ann!.id, project.id);
      // undo of a gold check: allowed as for any pair (even one a reviewer settled before it became gold)
      expect(await undoLastLabel(t, ann!.id, project.id)).toEqual({ pairId: String(goldId) });
      await decide(ann!.id, served!.id, "accept");
      const [label] = await t.query<{ gold_correct: boolean }>(`SELECT gold_correct FROM labels WHERE pair_id = $1 AND annotator_id = $2`, [String(goldId), ann!.id]);
      expect(label?.gold_correct).toBe(false);

      const regular = await claimNextPair(t, { projectId: project.id, userId: ann!.id });
      expect(regular?.id).not.toBe(String(goldId));
      await decide(ann!.id, regular!.id, "accept");
      const afterRegular = await getProgress(t, ann!.id, project.id);
      expect([before.pairsLeft, afterGold.pairsLeft, afterRegular.pairsLeft]).toEqual([30, 30, 30]);
      expect([before.leftForYou, afterGold.leftForYou, afterRegular.leftForYou]).toEqual([30, 30, 30]);
      expect(afterRegular.labelsTotal - afterGold.labelsTotal).toBe(afterGold.labelsTotal - before.labelsTotal);
    });

    it("keeps a reviewer from promoting, adjudicating or holding a pair they labelled", async () => {
      const project = await makeProject(t, { pairs: 2, overlap: 1 });
      const reviewer = await createUser(t, null, { email: `rev-${engine}@test.local`, name: "R", role: "reviewer", password: "a-fine-password" });
      const mine = await claimNextPair(t, { projectId: project.id, userId: reviewer.id });
      await decide(reviewer.id, mine!.id, "accept");
      const pairId = BigInt(mine!.id);
      // final by consensus of one: promoting it is someone else's call
      await expect(promotePair(t, reviewer.id, project.id, pairId)).rejects.toThrow(/You labelled this pair yourself/);
      // sent to review: not served to them, not held by a renew, not settled by them
      await t.query(
        `UPDATE pairs SET status = 'in_review', final_decision = NULL, final_source = NULL, finalized_at = NULL, review_reasons = '{decision}', routed_at = now()
         WHERE id = $1`,
        [String(pairId)],
      );
      expect(await claimReviewPair(t, { projectId: project.id, reviewerId: reviewer.id })).toBeNull();
      await expect(renewReviewClaim(t, reviewer.id, pairId)).rejects.toThrow(/no longer yours/);
      await expect(
        adjudicatePair(t, { id: reviewer.id, role: "reviewer" } as never, pairId, { submissionId: randomUUID(), decision: "accept", promoteToGold: true } as never),
      ).rejects.toThrow(/You labelled this pair yourself/);
      expect(await t.prisma.pair.findUniqueOrThrow({ where: { id: pairId }, select: { isGold: true, reviewClaimedBy: true } })).toEqual({ isGold: false, reviewClaimedBy: null });
    });
  });

  // Issue 17 point 7, on this file's database (one fresh database per engine is the costly part).
  it("answers every route method for every caller as the permission table says (the authorization matrix)", async () => {
    await runAuthorizationMatrix(t);
  });
});
