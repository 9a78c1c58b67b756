import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { engines, freshDatabase, type TestDatabase } from "@/test/support/db";
import { makeProject } from "@/test/support/fixtures";
import { call, sessionCookie, TEST_ORIGIN, useTestDatabase } from "@/test/support/http";
import { createApiToken } from "@/lib/pipeline-api/tokens";
import { resetEnvCache } from "@/lib/env";
import { openDatabase } from "@/lib/db/connect";
import { POST as createProjectRoute } from "@/app/api/projects/route";
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
});
