import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { engines, freshDatabase, type TestDatabase } from "@/test/support/db";
import { makeProject, makeUsers } from "@/test/support/fixtures";
import { writeImagePairs } from "@/test/support/import-fixtures";
import { authenticateBearer, requireTokenScope, TokenRejectedError, TokenScopeError } from "@/lib/auth/bearer";
import { can } from "@/lib/auth/permissions";
import { createApiToken, listApiTokens, revokeApiToken } from "@/lib/pipeline-api/tokens";
import { hashToken } from "@/lib/auth/token-format";
import { postPairs, type TPostPairsContext } from "@/lib/pipeline-api/pairs";
import { runDerivatives } from "@/lib/imports/derivatives";
import { listFinalLabels } from "@/lib/pipeline-api/labels";
import { getApiProgress } from "@/lib/pipeline-api/progress";
import { ZApiProgress, ZLabelsPage, ZPostPairsResponse, type TFinalLabel } from "@/lib/pipeline-api/schemas";
import { adjudicatePair } from "@/lib/review/service";
import { InvalidError, NotFoundError } from "@/lib/errors";
import { encodeCursor } from "@/lib/pipeline-api/cursor";
import { migrate, repairFeedXids } from "@/lib/db/migrate";
import { promotePair } from "@/lib/quality/gold";
import { resetEnvCache } from "@/lib/env";
import { createLoupeClient, type TLoupeClient } from "@/clients/typescript";
import { serveApiV1, useAsProcessDatabase } from "@/test/support/route-fetch";

/** Waits out every running transaction: the feed reads below the server's oldest writer, which other databases share. */
async function settle(t: TestDatabase): Promise<void> {
  const [{ xmax }] = (await t.query<{ xmax: string }>("SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax")) as [{ xmax: string }];
  const deadline = Date.now() + 180_000;
  for (;;) {
    const [{ ok }] = (await t.query<{ ok: boolean }>("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint >= $1::bigint AS ok", [xmax])) as [{ ok: boolean }];
    if (ok) return;
    if (Date.now() > deadline) throw new Error("a transaction elsewhere on the server stayed open for 3 minutes");
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.each(engines())("pipeline API ($engine)", ({ engine }) => {
  let t: TestDatabase;
  let root: string;
  let images: { source: string; edited: string }[];
  let admin: number;
  let annotators: number[];

  const ctx = (extra: Partial<TPostPairsContext> = {}): TPostPairsContext => ({
    actorId: admin,
    tokenId: null,
    dataDir: path.join(root, ".data"),
    resolve: { imageRoot: root, allowHosts: [], maxBytes: 10_000_000, timeoutMs: 2000 },
    ...extra,
  });

  /** An annotator's label written as the submit writes it: the triggers settle or route the pair. */
  async function label(pairId: bigint | string, annotatorId: number, decision: "accept" | "reject" | "recaption", extra: { reasons?: string[]; recaption?: string } = {}) {
    await t.query(
      `INSERT INTO labels (pair_id, project_id, annotator_id, decision, reasons, recaption, seconds_spent, submission_id)
       SELECT id, project_id, $2, $3::"Decision", $4::text[], $5, 3.5, $6::uuid FROM pairs WHERE id = $1`,
      [String(pairId), annotatorId, decision, extra.reasons ?? [], extra.recaption ?? null, randomUUID()],
    );
  }

  async function pairIds(projectId: number): Promise<bigint[]> {
    return (await t.prisma.pair.findMany({ where: { projectId }, orderBy: { id: "asc" }, select: { id: true } })).map((p) => p.id);
  }

  async function feed(projectId: number, q: { cursor?: string; limit: number }) {
    await settle(t);
    return ZLabelsPage.parse(await listFinalLabels(t, projectId, q));
  }

  async function drain(projectId: number, cursor: string | null, limit: number) {
    const items: TFinalLabel[] = [];
    let pages = 0;
    for (;;) {
      const page = await feed(projectId, { cursor: cursor ?? undefined, limit });
      pages++;
      items.push(...page.items);
      cursor = page.nextCursor;
      if (!page.hasMore) return { items, cursor, pages };
    }
  }

  beforeAll(async () => {
    t = await freshDatabase(engine);
    root = await mkdtemp(path.join(tmpdir(), "loupe-api-"));
    images = await writeImagePairs(root, 4);
    admin = (await makeUsers(t, 1, "admin"))[0]!;
    await t.prisma.user.update({ where: { id: admin }, data: { role: "admin" } });
    annotators = await makeUsers(t, 3, "ann");
  });

  afterAll(async () => {
    await t?.close();
    await rm(root, { recursive: true, force: true });
  });

  describe("tokens", () => {
    it("stores only the sha256, finds the token by it, and acts as its owner on its projects only", async () => {
      const p1 = await makeProject(t, { pairs: 0 });
      const p2 = await makeProject(t, { pairs: 0 });
      const { token, view } = await createApiToken(t, admin, { name: "  nightly pipeline ", projectIds: [p1.id, p1.id] });
      expect(token).toMatch(/^loupe_[A-Za-z0-9_-]{43}$/);
      expect(view).toMatchObject({ name: "nightly pipeline", hint: token.slice(0, 10), status: "active", lastUsedAt: null, expiresAt: null });
      expect(view.projects).toEqual([{ id: p1.id, name: p1.name }]);
      const stored = await t.prisma.apiToken.findUniqueOrThrow({ where: { id: view.id } });
      expect(stored.tokenHash).toBe(hashToken(token));
      const everything = JSON.stringify(await t.query("SELECT * FROM api_tokens")) + JSON.stringify(await t.query("SELECT * FROM audit_events"));
      expect(everything).not.toContain(token.slice(6));

      const auth = await authenticateBearer(t, `Bearer ${token}`);
      expect(auth!.user).toMatchObject({ id: admin, role: "admin" });
      expect(auth!.token).toEqual({ tokenId: view.id, projectIds: [p1.id] });
      expect(() => requireTokenScope(auth!.token, p1.id)).not.toThrow();
      expect(() => requireTokenScope(auth!.token, p2.id)).toThrow(TokenScopeError);
      // A project that does not exist answers exactly as one outside the scope: no probing.
      let outside: unknown;
      let missing: unknown;
      try {
        requireTokenScope(auth!.token, p2.id);
      } catch (e) {
        outside = e;
      }
      try {
        requireTokenScope(auth!.token, 999_999);
      } catch (e) {
        missing = e;
      }
      expect([(outside as TokenScopeError).status, (missing as TokenScopeError).status]).toEqual([403, 403]);
      expect((missing as Error).message.replace("999999", "N")).toBe((outside as Error).message.replace(String(p2.id), "N"));

      const audit = await t.prisma.auditEvent.findFirstOrThrow({ where: { action: "api_token.create", subjectId: String(view.id) } });
      expect(audit.data).toMatchObject({ name: "nightly pipeline", projectIds: [p1.id], hint: view.hint });
    });

    it("moves last_used_at at most once a minute", async () => {
      const p = await makeProject(t, { pairs: 0 });
      const { token, view } = await createApiToken(t, admin, { name: "busy", projectIds: [p.id] });
      await authenticateBearer(t, `Bearer ${token}`);
      const first = (await t.prisma.apiToken.findUniqueOrThrow({ where: { id: view.id } })).lastUsedAt;
      expect(first).not.toBeNull();
      for (let i = 0; i < 5; i++) await authenticateBearer(t, `Bearer ${token}`);
      expect((await t.prisma.apiToken.findUniqueOrThrow({ where: { id: view.id } })).lastUsedAt).toEqual(first);
      await t.query("UPDATE api_tokens SET last_used_at = now() - interval '61 seconds' WHERE id = $1", [view.id]);
      await authenticateBearer(t, `Bearer ${token}`);
      const moved = (await t.prisma.apiToken.findUniqueOrThrow({ where: { id: view.id } })).lastUsedAt!;
      expect(Date.now() - moved.getTime()).toBeLessThan(30_000);
      expect((await listApiTokens(t)).find((v) => v.id === view.id)!.lastUsedAt).toBe(moved.toISOString());
    });

    it("refuses no, malformed, unknown, revoked and expired tokens and those of disabled users; reads the owner's role fresh", async () => {
      const p = await makeProject(t, { pairs: 0 });
      expect(await authenticateBearer(t, null)).toBeNull();
      await expect(authenticateBearer(t, "Bearer nope")).rejects.toThrow(TokenRejectedError);
      await expect(authenticateBearer(t, `Bearer loupe_${"A".repeat(43)}`)).rejects.toThrow(/not recognised/);

      const revoked = await createApiToken(t, admin, { name: "to revoke", projectIds: [p.id] });
      expect((await revokeApiToken(t, admin, revoked.view.id)).status).toBe("revoked");
      expect((await revokeApiToken(t, admin, revoked.view.id)).status).toBe("revoked"); // again: no change
      await expect(authenticateBearer(t, `Bearer ${revoked.token}`)).rejects.toThrow(/revoked/);
      expect(await t.prisma.auditEvent.count({ where: { action: "api_token.revoke", subjectId: String(revoked.view.id) } })).toBe(1);
      await expect(revokeApiToken(t, admin, 987_654)).rejects.toThrow(NotFoundError);

      const expiring = await createApiToken(t, admin, { name: "short", projectIds: [p.id], expiresInDays: 30 });
      expect(new Date(expiring.view.expiresAt!).getTime() - Date.now()).toBeGreaterThan(29 * 86_400_000);
      expect(await authenticateBearer(t, `Bearer ${expiring.token}`)).not.toBeNull();
      await t.query("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1", [expiring.view.id]);
      await expect(authenticateBearer(t, `Bearer ${expiring.token}`)).rejects.toThrow(/expired/);
      expect((await listApiTokens(t)).find((v) => v.id === expiring.view.id)!.status).toBe("expired");

      const [owner] = await makeUsers(t, 1, "owner");
      await t.prisma.user.update({ where: { id: owner! }, data: { role: "admin" } });
      const mine = await createApiToken(t, owner!, { name: "owner's", projectIds: [p.id] });
      await t.prisma.user.update({ where: { id: owner! }, data: { role: "reviewer" } });
      const demoted = await authenticateBearer(t, `Bearer ${mine.token}`);
      expect(demoted!.user.role).toBe("reviewer");
      expect(can(demoted!.user.role, "api:pairs:write")).toBe(false); // route() answers 403
      await t.prisma.user.update({ where: { id: owner! }, data: { disabled: true } });
      await expect(authenticateBearer(t, `Bearer ${mine.token}`)).rejects.toThrow(/disabled/);

      await expect(createApiToken(t, admin, { name: "x", projectIds: [] })).rejects.toThrow(InvalidError);
      await expect(createApiToken(t, admin, { name: "x", projectIds: [p.id, 999_998] })).rejects.toThrow(/999998/);
      expect(await t.prisma.apiToken.count({ where: { name: "x" } })).toBe(0);
    });
  });

  describe("POST pairs", () => {
    it("creates valid items, reports invalid ones by index with nothing inserted for them, and answers a re-post with duplicates", async () => {
      const project = await makeProject(t, { pairs: 0, overlap: 2 });
      const item = (i: number, extra: Record<string, unknown> = {}) => ({
        id: `ext-${i}`,
        instruction: `add a square ${i}`,
        source_image: images[i % images.length]!.source,
        edited_image: images[i % images.length]!.edited,
        task: "object",
        ...extra,
      });
      const items: unknown[] = [
        item(0, { metadata: { seed: 7, run: "r1" }, vs_instruction_following: 3 }),
        item(1, { instruction: "" }), // invalid: no instruction
        item(2, { colour: "red" }), // invalid: unknown field
        "not an object",
        item(4, { source_image: "../outside.png" }), // invalid: escapes the image root
        item(5, { vs_editing_consistency: 7 }), // invalid: score out of range
        item(0), // repeats item 0 within the request
        item(7, { gold_decision: "reject", gold_reasons: ["artifacts"] }), // gold by its expected decision
        item(8, { gold_decision: "reject", gold_reasons: ["not_a_reason"] }), // invalid: unknown reason code
        { instruction: "no id", source_image: images[0]!.source, edited_image: images[0]!.edited }, // invalid: no id
        item(10, { source_image: "http://127.0.0.1:9/x.png" }), // invalid: private address
      ];
      const res = ZPostPairsResponse.parse(await postPairs(t, project.id, items, ctx()));
      expect(res.items.map((o) => [o.index, o.status])).toEqual([
        [0, "created"], [1, "invalid"], [2, "invalid"], [3, "invalid"], [4, "invalid"], [5, "invalid"],
        [6, "duplicate"], [7, "created"], [8, "invalid"], [9, "invalid"], [10, "invalid"],
      ]);
      expect(res).toMatchObject({ created: 2, duplicates: 1, invalid: 8 });
      expect(res.items[1]!.reason).toMatch(/field "instruction".*missing/);
      expect(res.items[2]!.reason).toMatch(/unknown field "colour"/);
      expect(res.items[3]!.reason).toMatch(/expected an object/);
      expect(res.items[4]!.reason).toMatch(/escapes the image root/);
      expect(res.items[5]!.reason).toMatch(/vs_editing_consistency.*from 1 to 3/);
      expect(res.items[6]).toMatchObject({ externalId: "ext-0", pairId: res.items[0]!.pairId, reason: "same id as item 0 of this request" });
      expect(res.items[8]!.reason).toMatch(/not_a_reason/);
      expect(res.items[9]).toMatchObject({ externalId: null, pairId: null });
      expect(res.items[9]!.reason).toMatch(/id/);
      expect(res.items[10]!.reason).toMatch(/refused|private|loopback/i);

      // The pairs' change maps come from the derivative workers, as an import's do (decision 015).
      await runDerivatives(t, { dataDir: ctx().dataDir });
      const rows = await t.prisma.pair.findMany({ where: { projectId: project.id }, orderBy: { id: "asc" } });
      expect(rows.map((r) => r.externalId)).toEqual(["ext-0", "ext-7"]);
      expect(rows[0]).toMatchObject({ wanted: 2, status: "open", verifierScores: { instruction_following: 3 }, metadata: { seed: 7, run: "r1" } });
      expect(rows[0]!.heatmapImage).toMatch(/^[0-9a-f]{64}$/);
      expect(rows[1]).toMatchObject({ isGold: true, goldDecision: "reject", goldReasons: ["artifacts"], status: "final", finalSource: "gold" });
      expect(String(rows[0]!.id)).toBe(res.items[0]!.pairId);
      const audit = await t.prisma.auditEvent.findMany({ where: { action: "api.pairs", subjectId: String(project.id) } });
      expect(audit.map((a) => a.data)).toEqual([{ projectId: project.id, tokenId: null, created: 2, posted: 11 }]);

      const again = await postPairs(t, project.id, items, ctx({ tokenId: 5 }));
      expect(again).toMatchObject({ created: 0, duplicates: 3, invalid: 8 });
      expect(again.items[0]).toMatchObject({ status: "duplicate", pairId: res.items[0]!.pairId, reason: "the project already has a pair with this id" });
      expect(again.items[7]).toMatchObject({ status: "duplicate", pairId: res.items[7]!.pairId });
      expect(await t.prisma.pair.count({ where: { projectId: project.id } })).toBe(2);
      expect(await t.prisma.auditEvent.count({ where: { action: "api.pairs", subjectId: String(project.id) } })).toBe(1);

      // A second verifier version's output for a pair already there is kept beside the first; the
      // pair's copy stays the first (no active version named).
      const v2 = await postPairs(t, project.id, [item(0, { model_version: "v2", scores: { instruction_following: 1, editing_consistency: 3 } })], ctx());
      expect(v2.items[0]).toMatchObject({ status: "duplicate", pairId: res.items[0]!.pairId });
      const outputs = await t.prisma.pairVerifierOutput.findMany({ where: { pairId: BigInt(res.items[0]!.pairId!) }, orderBy: { version: "asc" } });
      expect(outputs.map((o) => [o.version, o.scores])).toEqual([
        ["", { instruction_following: 3 }],
        ["v2", { instruction_following: 1, editing_consistency: 3 }],
      ]);
      expect(await t.prisma.pair.findUniqueOrThrow({ where: { id: BigInt(res.items[0]!.pairId!) } })).toMatchObject({ verifierScores: { instruction_following: 3 }, modelVersion: null });

      // Two requests racing with the same new id: exactly one row, one "created".
      const [a, b] = await Promise.all([postPairs(t, project.id, [item(20)], ctx()), postPairs(t, project.id, [item(20)], ctx())]);
      expect([a.items[0]!.status, b.items[0]!.status].sort()).toEqual(["created", "duplicate"]);
      expect(a.items[0]!.pairId).toBe(b.items[0]!.pairId);
      expect(await t.prisma.pair.count({ where: { projectId: project.id, externalId: "ext-20" } })).toBe(1);

      await expect(postPairs(t, 999_999, [item(0)], ctx())).rejects.toThrow(NotFoundError);
    });
  });

  describe("labels feed", () => {
    it("serves each final pair exactly once across pages, pairs finalised between pages included, and the same page for the same cursor", async () => {
      const project = await makeProject(t, { pairs: 12 });
      const ids = await pairIds(project.id);
      const [a] = annotators;
      for (const id of ids.slice(0, 5)) await label(id, a!, "accept");
      await label(ids[5]!, a!, "reject", { reasons: ["artifacts", "wrong_object"] });

      const first = await feed(project.id, { limit: 4 });
      expect(first.items).toHaveLength(4);
      expect(first.hasMore).toBe(true);
      const same = await feed(project.id, { cursor: first.nextCursor!, limit: 4 });
      const again = await feed(project.id, { cursor: first.nextCursor!, limit: 4 });
      expect(again).toEqual(same);

      // Finalised between pages: they come after what is left, not lost behind the cursor.
      await label(ids[6]!, a!, "recaption", { recaption: "add a red square" });
      await label(ids[7]!, a!, "accept");
      const rest = await drain(project.id, first.nextCursor, 4);
      const all = [...first.items, ...rest.items];
      expect(all.map((i) => i.pairId).sort()).toEqual(ids.slice(0, 8).map(String).sort());
      expect(new Set(all.map((i) => i.pairId)).size).toBe(8);

      const reject = all.find((i) => i.pairId === String(ids[5]))!;
      expect(reject).toMatchObject({
        state: "final",
        decision: "reject",
        source: "consensus",
        agreement: 1,
        gold: false,
        externalId: "e-5",
        reasons: [
          { code: "artifacts", label: "Artifacts or distortion", dimension: "VQ" },
          { code: "wrong_object", label: "Wrong object or region edited", dimension: "IF" },
        ],
        labels: { count: 1, accept: 0, reject: 1, recaption: 0 },
      });
      expect(reject.labels.items[0]).toMatchObject({ annotatorId: a, decision: "reject", reasons: ["artifacts", "wrong_object"], recaption: null, secondsSpent: 3.5 });
      expect(all.find((i) => i.pairId === String(ids[6]))).toMatchObject({ decision: "recaption", instruction: "add a red square", originalInstruction: "instruction 6" });

      const idle = await feed(project.id, { cursor: rest.cursor!, limit: 4 });
      expect(idle).toEqual({ items: [], nextCursor: rest.cursor, hasMore: false });

      // A consensus undone (label deleted) is served again as withdrawn; final again, it is served once more.
      await t.query("DELETE FROM labels WHERE pair_id = $1", [String(ids[2])]);
      const withdrawn = await drain(project.id, rest.cursor, 4);
      expect(withdrawn.items.map((i) => [i.pairId, i.state, i.decision])).toEqual([[String(ids[2]), "withdrawn", null]]);
      await label(ids[2]!, annotators[1]!, "reject", { reasons: ["artifacts"] });
      const refinal = await drain(project.id, withdrawn.cursor, 4);
      expect(refinal.items.map((i) => [i.pairId, i.state, i.decision])).toEqual([[String(ids[2]), "final", "reject"]]);

      const fresh = await drain(project.id, null, 3);
      expect(fresh.items).toHaveLength(8);
      expect(fresh.items[fresh.items.length - 1]).toMatchObject({ pairId: String(ids[2]), decision: "reject" });
      await expect(listFinalLabels(t, project.id, { cursor: "garbage", limit: 4 })).rejects.toThrow(InvalidError);
      await expect(listFinalLabels(t, 999_999, { limit: 4 })).rejects.toThrow(NotFoundError);
    });

    it("serves a re-adjudicated pair again, and gold pairs from their import", async () => {
      const project = await makeProject(t, { pairs: 2, overlap: 2 });
      const ids = await pairIds(project.id);
      const [a, b] = annotators;
      await label(ids[0]!, a!, "accept");
      await label(ids[0]!, b!, "reject", { reasons: ["artifacts"] });
      expect((await t.prisma.pair.findUniqueOrThrow({ where: { id: ids[0]! } })).status).toBe("in_review");
      const before = await drain(project.id, null, 10);
      expect(before.items).toEqual([]);
      expect(before.cursor).toBeNull();

      const [reviewer] = await makeUsers(t, 1, "rev");
      await t.prisma.user.update({ where: { id: reviewer! }, data: { role: "reviewer" } });
      await adjudicatePair(t, { id: reviewer!, role: "reviewer" }, ids[0]!, { submissionId: randomUUID(), decision: "reject", reasons: ["artifacts"], promoteToGold: false });
      const after = await drain(project.id, before.cursor, 10);
      expect(after.items).toHaveLength(1);
      expect(after.items[0]).toMatchObject({ decision: "reject", source: "review", reviewReasons: ["decision"], agreement: 0.5, labels: { count: 2, accept: 1, reject: 1 } });

      // A posted gold pair is final on arrival and in the feed.
      const posted = await postPairs(t, project.id, [{ id: "g1", instruction: "gold one", source_image: images[0]!.source, edited_image: images[0]!.edited, gold_decision: "accept" }], ctx());
      const gold = await drain(project.id, after.cursor, 10);
      expect(gold.items.map((i) => [i.pairId, i.source, i.gold, i.decision])).toEqual([[posted.items[0]!.pairId, "gold", true, "accept"]]);
    });
  });

  describe("labels feed cursors and restores", () => {
    it("refuses a cursor from another project with a 400 instead of skipping that project's earlier pairs", async () => {
      const a = await makeProject(t, { pairs: 3 });
      const b = await makeProject(t, { pairs: 3 });
      const [ann] = annotators;
      // B's pairs are finalised first, so their xids lie below A's cursor.
      for (const id of await pairIds(b.id)) await label(id, ann!, "accept");
      for (const id of await pairIds(a.id)) await label(id, ann!, "accept");
      const fromA = await drain(a.id, null, 10);
      expect(fromA.items).toHaveLength(3);

      const wrong = listFinalLabels(t, b.id, { cursor: fromA.cursor!, limit: 10 });
      await expect(wrong).rejects.toThrow(InvalidError);
      await expect(listFinalLabels(t, b.id, { cursor: fromA.cursor!, limit: 10 })).rejects.toThrow(
        "cursor: this cursor belongs to another project; start without a cursor.",
      );
      expect((await drain(b.id, null, 10)).items).toHaveLength(3);
    });

    it("renumbers final_xid values from another cluster (after a restore), serves those pairs again and refuses older cursors", async () => {
      const project = await makeProject(t, { pairs: 4 });
      const ids = await pairIds(project.id);
      const [ann] = annotators;
      for (const id of ids.slice(0, 3)) await label(id, ann!, "accept");
      const before = await drain(project.id, null, 10);
      expect(before.items).toHaveLength(3);

      // A dump restored into a younger cluster: stored xids far beyond its counter, a client cursor among them.
      const [{ epoch }] = (await t.query<{ epoch: string }>("SELECT last_value::text AS epoch FROM pairs_final_feed_epoch")) as [{ epoch: string }];
      await t.query("UPDATE pairs SET final_xid = final_xid + 1000000000 WHERE project_id = $1 AND final_xid IS NOT NULL", [project.id]);
      const [{ far }] = (await t.query<{ far: string }>("SELECT max(final_xid)::text AS far FROM pairs WHERE project_id = $1", [project.id])) as [{ far: string }];
      const ahead = encodeCursor({ projectId: project.id, epoch, xid: far, id: String(ids[2]) });

      // The migration runner renumbers them (npm start, db:migrate, the embedded database's open).
      const lines: string[] = [];
      expect(await t.dedicated((r) => migrate(r, { log: (l) => lines.push(l) }))).toEqual({ applied: [], definitions: [] });
      expect(lines).toEqual([expect.stringMatching(/^renumbered the labels feed position of 3 pairs/)]);
      const [{ behind }] = (await t.query<{ behind: boolean }>(
        "SELECT bool_and(final_xid < pg_snapshot_xmax(pg_current_snapshot())::text::bigint) AS behind FROM pairs WHERE final_xid IS NOT NULL",
      )) as [{ behind: boolean }];
      expect(behind).toBe(true);
      expect(await t.dedicated((r) => repairFeedXids(r)), "nothing left to move").toBe(0);

      for (const cursor of [ahead, before.cursor!]) {
        await expect(listFinalLabels(t, project.id, { cursor, limit: 10 })).rejects.toThrow(
          "cursor: this cursor was handed out before the database was restored or moved; start without a cursor.",
        );
      }
      const again = await drain(project.id, null, 10);
      expect(again.items.map((i) => i.pairId)).toEqual(ids.slice(0, 3).map(String));
      await label(ids[3]!, ann!, "reject", { reasons: ["artifacts"] });
      expect((await drain(project.id, again.cursor, 10)).items.map((i) => i.pairId)).toEqual([String(ids[3])]);

      // Restored under a running server: the feed itself notices and renumbers rather than hide them.
      await t.query("UPDATE pairs SET final_xid = final_xid + 1000000000 WHERE project_id = $1 AND final_xid IS NOT NULL", [project.id]);
      expect((await drain(project.id, null, 10)).items.map((i) => i.pairId).sort()).toEqual(ids.map(String).sort());
    });

    it("serves a final pair again when it is promoted to gold, with its gold flag", async () => {
      const project = await makeProject(t, { pairs: 1 });
      const [id] = await pairIds(project.id);
      await label(id!, annotators[0]!, "accept");
      const first = await drain(project.id, null, 10);
      expect(first.items.map((i) => [i.pairId, i.gold])).toEqual([[String(id), false]]);
      await promotePair(t, admin, project.id, id!);
      const next = await drain(project.id, first.cursor, 10);
      expect(next.items.map((i) => [i.pairId, i.gold, i.decision])).toEqual([[String(id), true, "accept"]]);
    });
  });

  describe("progress", () => {
    it("counts pairs by status, final pairs by decision, in review by reason, gold, and percent done without gold", async () => {
      const project = await makeProject(t, { pairs: 6, overlap: 2 });
      const ids = await pairIds(project.id);
      const [a, b] = annotators;
      await label(ids[0]!, a!, "accept");
      await label(ids[0]!, b!, "accept");
      await label(ids[1]!, a!, "reject", { reasons: ["artifacts"] });
      await label(ids[1]!, b!, "reject", { reasons: ["artifacts"] });
      await label(ids[2]!, a!, "accept");
      await label(ids[2]!, b!, "reject", { reasons: ["artifacts"] }); // in review: decision
      await label(ids[3]!, a!, "accept"); // one of two labels: still open
      await postPairs(t, project.id, [{ id: "gold-x", instruction: "g", source_image: images[1]!.source, edited_image: images[1]!.edited, gold_decision: "recaption", gold_instruction: "better" }], ctx());

      const progress = ZApiProgress.parse(await getApiProgress(t, project.id));
      expect(progress).toEqual({
        projectId: project.id,
        pairs: { total: 7, open: 3, labelled: 0, inReview: 1, final: 3 },
        finalByDecision: { accept: 1, reject: 1, recaption: 1 },
        inReviewByReason: { decision: 1, recaption: 0, verifier: 0 },
        gold: { total: 1, active: 1 },
        labels: 7,
        percentDone: 33.3, // 2 of the 6 pairs that are not gold
      });
      await expect(getApiProgress(t, 999_999)).rejects.toThrow(NotFoundError);
    });
  });

  // The typed client (clients/typescript: openapi-typescript types + openapi-fetch) in a pipeline's call
  // sequence, served by the real route handlers in this process on this database.
  describe("the typed client through the route handlers", () => {
    let restoreDb: () => void;
    const savedEnv = { LOUPE_DATA_DIR: process.env.LOUPE_DATA_DIR, LOUPE_IMPORT_ROOT: process.env.LOUPE_IMPORT_ROOT };
    beforeAll(() => {
      restoreDb = useAsProcessDatabase(t);
      process.env.LOUPE_DATA_DIR = path.join(root, ".data");
      process.env.LOUPE_IMPORT_ROOT = root;
      resetEnvCache();
    });
    afterAll(() => {
      restoreDb();
      for (const [k, v] of Object.entries(savedEnv)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      resetEnvCache();
    });

    it("sends pairs, reads progress and pages through the final labels, with typed answers and errors", async () => {
      const project = await makeProject(t, { pairs: 0, overlap: 1 });
      const other = await makeProject(t, { pairs: 0 });
      const { token } = await createApiToken(t, admin, { name: "client test", projectIds: [project.id] });
      const client: TLoupeClient = createLoupeClient({ baseUrl: "http://loupe.test", token, fetch: serveApiV1 });
      const projectPath = { path: { projectId: project.id } };

      const doc = await client.GET("/api/v1/openapi.json");
      expect(doc.response.status).toBe(200);
      expect(doc.data).toMatchObject({ openapi: "3.1.0" });

      const pair = (i: number) => ({ id: `client-${i}`, instruction: "add a square", source_image: images[i]!.source, edited_image: images[i]!.edited, task: "object" });
      const sent = await client.POST("/api/v1/projects/{projectId}/pairs", {
        params: projectPath,
        body: {
          pairs: [
            pair(0),
            pair(1),
            // @ts-expect-error the generated types know an item needs an instruction; the server refuses it too
            { id: "client-2", source_image: images[2]!.source, edited_image: images[2]!.edited },
          ],
        },
      });
      expect(sent.response.status).toBe(200);
      expect(sent.data).toMatchObject({ created: 2, duplicates: 0, invalid: 1 });
      expect(sent.data!.items.map((i) => i.status)).toEqual(["created", "created", "invalid"]);
      expect(sent.data!.items[2]!.reason).toMatch(/instruction/);

      const before = await client.GET("/api/v1/projects/{projectId}/progress", { params: projectPath });
      expect(before.data?.pairs).toMatchObject({ total: 2, open: 2, final: 0 });

      // overlap 1: each label makes its pair final.
      await label(sent.data!.items[0]!.pairId!, annotators[0]!, "accept");
      await label(sent.data!.items[1]!.pairId!, annotators[0]!, "reject", { reasons: ["artifacts"] });
      const after = await client.GET("/api/v1/projects/{projectId}/progress", { params: projectPath });
      expect(after.data).toMatchObject({ pairs: { total: 2, final: 2 }, finalByDecision: { accept: 1, reject: 1 }, percentDone: 100 });

      await settle(t);
      const first = await client.GET("/api/v1/projects/{projectId}/labels", { params: { ...projectPath, query: { limit: 1 } } });
      expect(first.data).toMatchObject({ hasMore: true, items: [{ externalId: "client-0", state: "final", decision: "accept", source: "consensus" }] });
      const second = await client.GET("/api/v1/projects/{projectId}/labels", {
        params: { ...projectPath, query: { limit: 1, cursor: first.data!.nextCursor! } },
      });
      expect(second.data).toMatchObject({ hasMore: false, items: [{ externalId: "client-1", decision: "reject", reasons: [{ code: "artifacts" }] }] });

      // Errors come back typed as the document's Error, with the statuses it lists.
      const badCursor = await client.GET("/api/v1/projects/{projectId}/labels", { params: { ...projectPath, query: { cursor: "not-a-cursor" } } });
      expect(badCursor.response.status).toBe(400);
      expect(badCursor.error?.error.message).toMatch(/cursor/i);
      const outOfScope = await client.GET("/api/v1/projects/{projectId}/progress", { params: { path: { projectId: other.id } } });
      expect(outOfScope.response.status).toBe(403);
      expect(outOfScope.error?.error.code).toBe("forbidden");
      const noToken = await createLoupeClient({ baseUrl: "http://loupe.test", token: "loupe_nope", fetch: serveApiV1 }).GET("/api/v1/openapi.json");
      expect(noToken.response.status).toBe(401);
      expect(noToken.response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    });
  });
});

// The commit-order race exists only with concurrent connections, so only on the server: a pair
// finalised by a transaction that began first but commits last must not slip behind a cursor.
describe.each(engines().filter((e) => e.engine === "postgres"))("labels feed under concurrent transactions ($engine)", ({ engine }) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase(engine);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("holds back a later commit until the earlier transaction ends, then serves both once", async () => {
    const project = await makeProject(t, { pairs: 2 });
    const ids = (await t.prisma.pair.findMany({ where: { projectId: project.id }, orderBy: { id: "asc" } })).map((p) => String(p.id));
    const [a] = await makeUsers(t, 1, "race");
    const url = (await t.query<{ db: string }>("SELECT current_database() AS db"))[0]!.db;
    const base = new URL(process.env.TEST_DATABASE_URL!);
    base.pathname = `/${url}`;
    const slow = new pg.Client({ connectionString: base.toString() });
    await slow.connect();
    const insert = `INSERT INTO labels (pair_id, project_id, annotator_id, decision, seconds_spent, submission_id)
                    SELECT id, project_id, $2, 'accept', 1, gen_random_uuid() FROM pairs WHERE id = $1`;
    try {
      await slow.query("BEGIN");
      await slow.query(insert, [ids[0], a]); // draws the older transaction id, commits last
      await t.query(insert, [ids[1], a]); // a newer transaction, committed at once
      const early = await listFinalLabels(t, project.id, { limit: 10 });
      expect(early.items).toEqual([]); // held back: the slow transaction is still running
      await slow.query("COMMIT");
      await settle(t);
      const later = await listFinalLabels(t, project.id, { cursor: early.nextCursor ?? undefined, limit: 10 });
      expect(later.items.map((i) => i.pairId)).toEqual(ids);
    } finally {
      await slow.end();
    }
  });
});
