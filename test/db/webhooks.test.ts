import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resetEnvCache } from "@/lib/env";
import { InvalidError } from "@/lib/errors";
import { parseAllowList } from "@/lib/images/resolve";
import { DEFAULT_REJECT_REASONS } from "@/lib/projects/reasons";
import { adjudicatePair } from "@/lib/review/service";
import { emitEvent } from "@/lib/webhooks/emit";
import { MAX_ATTEMPTS, RETRY_DELAYS_S } from "@/lib/webhooks/policy";
import {
  createEndpoint,
  deleteEndpoint,
  listDeliveries,
  listEndpoints,
  redeliver,
  rotateSecret,
  sendTestEvent,
  updateEndpoint,
} from "@/lib/webhooks/service";
import { Webhook } from "standardwebhooks";
import { verify } from "@/lib/webhooks/signature";
import { attemptDelivery, claimDueDeliveries, deliverDue, pruneDeliveries, startWebhookWorker } from "@/lib/webhooks/worker";
import { WEBHOOK_PAYLOADS, ZDeliveryParams, type TDeliveryEvent } from "@/lib/webhooks/schemas";
import { KNOWN_AUDIT_ACTIONS, listAuditEvents, summarizeAuditEvent, ZAuditQuery } from "@/lib/audit-log/queries";
import type { SqlRunner } from "@/lib/db/sql";
import { engines, freshDatabase, type TestDatabase } from "../support/db";
import { makeUsers } from "../support/fixtures";

// Webhooks end to end: pair.finalized from the pairs trigger, emitEvent in the caller's transaction, and the
// worker posting to a real HTTP server that verifies every signature with the official Standard Webhooks library
// (and the deprecated Loupe-Signature beside it). Time moves via next_attempt_at, never sleep.

const HASH = "0".repeat(64);
const LOCAL = parseAllowList(["127.0.0.1"]);

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Did the official standardwebhooks library verify it with the secret registered for this path (or any listed)? */
  verified: boolean;
  /** Did the deprecated Loupe-Signature verify with one of them? */
  legacyVerified: boolean;
}

/** A receiver's check with the official library: the raw body, the headers as received, its own clock. */
function libraryVerifies(secret: string, headers: http.IncomingHttpHeaders, body: string): boolean {
  try {
    new Webhook(secret).verify(body, headers as Record<string, string>);
    return true;
  } catch (err) {
    if ((err as Error).name !== "WebhookVerificationError") throw err;
    return false;
  }
}

/** A receiver: per path, the secrets it accepts and the statuses it answers with, in turn. */
class Receiver {
  server = http.createServer((req, res) => this.handle(req, res));
  received: Received[] = [];
  secrets = new Map<string, string[]>();
  script = new Map<string, (number | "hang" | { status: number; location: string })[]>();
  port = 0;
  /** Requests left hanging, and how many were open at once per path. */
  hanging: { path: string; res: http.ServerResponse }[] = [];
  open = new Map<string, number>();
  maxOpen = new Map<string, number>();

  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }
  url(path: string) {
    return `http://127.0.0.1:${this.port}${path}`;
  }
  for(path: string) {
    return this.received.filter((r) => r.path === path);
  }
  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "";
      const body = Buffer.concat(chunks).toString("utf8");
      const header = req.headers["loupe-signature"] as string | undefined;
      // The receiver's own check, as docs/guide/webhooks.md tells receivers: raw body, current time, 5 min.
      const verified = (this.secrets.get(path) ?? []).some((s) => libraryVerifies(s, req.headers, body));
      const legacyVerified = (this.secrets.get(path) ?? []).some((s) => verify(s, header, body));
      this.received.push({ path, headers: req.headers, body, verified, legacyVerified });
      const next = this.script.get(path)?.shift() ?? 200;
      if (next === "hang") {
        // Never answers by itself: the sender's time limit, or release(), ends it.
        const open = (this.open.get(path) ?? 0) + 1;
        this.open.set(path, open);
        this.maxOpen.set(path, Math.max(open, this.maxOpen.get(path) ?? 0));
        res.on("close", () => this.open.set(path, (this.open.get(path) ?? 1) - 1));
        this.hanging.push({ path, res });
        return;
      }
      if (typeof next === "object") {
        res.writeHead(next.status, { location: next.location }).end();
        return;
      }
      res.writeHead(next, { "content-type": "text/plain" }).end(next >= 400 ? `receiver says no (${next})\n` : "ok");
    });
  }
  /** Stops hanging on `path`: what is waiting gets a 503, later requests the usual 200. */
  release(path: string) {
    this.script.set(path, []);
    for (const h of this.hanging.filter((x) => x.path === path)) h.res.writeHead(503).end();
    this.hanging = this.hanging.filter((x) => x.path !== path);
  }
  releaseAll() {
    for (const h of this.hanging) if (!h.res.writableEnded) h.res.writeHead(503).end();
    this.hanging = [];
    this.script.clear();
  }
  async stop() {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe.each(engines())("webhooks on $engine", ({ engine }) => {
  let t: TestDatabase;
  let admin: number;
  const rx = new Receiver();
  let savedAllow: string | undefined;

  beforeAll(async () => {
    t = await freshDatabase(engine, { poolSize: 8 });
    admin = (await makeUsers(t, 1, "admin"))[0]!;
    await rx.start();
    savedAllow = process.env.LOUPE_WEBHOOK_ALLOW;
    process.env.LOUPE_WEBHOOK_ALLOW = "127.0.0.1";
    resetEnvCache();
  });
  afterAll(async () => {
    if (savedAllow === undefined) delete process.env.LOUPE_WEBHOOK_ALLOW;
    else process.env.LOUPE_WEBHOOK_ALLOW = savedAllow;
    resetEnvCache();
    await rx.stop();
    await t?.close();
  });
  afterEach(() => rx.releaseAll());

  async function newProject(opts: { overlap?: number; pairs?: number } = {}) {
    const overlap = opts.overlap ?? 2;
    const project = await t.prisma.project.create({ data: { name: `w-${randomUUID()}`, overlap, rejectReasons: DEFAULT_REJECT_REASONS } });
    await t.prisma.pair.createMany({
      data: Array.from({ length: opts.pairs ?? 1 }, (_, i) => ({
        projectId: project.id, externalId: `x-${i}`, sourceImage: HASH, editedImage: HASH, instruction: `Make the car blue ${i}`, wanted: overlap,
      })),
    });
    const pairs = await t.prisma.pair.findMany({ where: { projectId: project.id }, orderBy: { id: "asc" }, select: { id: true } });
    return { id: project.id, pairs: pairs.map((p) => p.id) };
  }

  async function addEndpoint(projectId: number, events: ("pair.finalized" | "pair.reopened" | "export.finished")[], opts: { active?: boolean } = {}) {
    const path = `/hook/${randomUUID()}`;
    const { endpoint, secret } = await createEndpoint(t, admin, projectId, { url: rx.url(path), events, description: "" });
    rx.secrets.set(path, [secret]);
    if (opts.active === false) await updateEndpoint(t, admin, endpoint.id, { active: false });
    return { ...endpoint, path, secret };
  }

  /** A label straight into the table, as the submit inserts it: the label triggers settle the pair. */
  async function label(pairId: bigint, userId: number, decision: "accept" | "reject" | "recaption", reasons: string[] = []) {
    await t.query(
      `INSERT INTO labels (pair_id, project_id, annotator_id, decision, reasons, seconds_spent, submission_id)
       SELECT id, project_id, $2, $3::"Decision", $4::text[], 3, $5::uuid FROM pairs WHERE id = $1`,
      [pairId, userId, decision, reasons, randomUUID()],
    );
  }

  async function deliveries(where: { endpointIds?: number[]; projectId?: number } = {}) {
    return t.prisma.webhookDelivery.findMany({
      where: {
        ...(where.endpointIds ? { endpointId: { in: where.endpointIds } } : {}),
        ...(where.projectId ? { endpoint: { projectId: where.projectId } } : {}),
      },
      orderBy: { id: "asc" },
    });
  }

  /** Runs worker rounds until nothing is due; returns what happened to `endpointId`'s deliveries. */
  async function drain(endpointId: number, opts: Partial<Parameters<typeof deliverDue>[1]> = {}) {
    const outcomes = [];
    for (;;) {
      const round = await deliverDue(t, { allow: LOCAL, ...opts });
      if (round.length === 0) return outcomes.filter((o) => o.endpointId === endpointId);
      outcomes.push(...round);
    }
  }

  async function makeDue(deliveryId: bigint) {
    await t.query(`UPDATE webhook_deliveries SET next_attempt_at = now() WHERE id = $1`, [deliveryId]);
  }

  it("finalising a pair through its labels queues one delivery per subscribed, active endpoint of its project", async () => {
    const p = await newProject({ overlap: 2 });
    const other = await newProject({ overlap: 1 });
    const a1 = await addEndpoint(p.id, ["pair.finalized"]);
    const a2 = await addEndpoint(p.id, ["export.finished", "pair.finalized"]);
    const exportsOnly = await addEndpoint(p.id, ["export.finished"]);
    const inactive = await addEndpoint(p.id, ["pair.finalized"], { active: false });
    const elsewhere = await addEndpoint(other.id, ["pair.finalized"]);
    const [u1, u2] = await makeUsers(t, 2, "w");

    await label(p.pairs[0]!, u1!, "accept");
    expect(await deliveries({ projectId: p.id }), "one label of two: not final yet").toEqual([]);
    await label(p.pairs[0]!, u2!, "accept");

    const pair = await t.prisma.pair.findUniqueOrThrow({ where: { id: p.pairs[0]! } });
    expect(pair.status).toBe("final");
    const made = await deliveries({ projectId: p.id });
    expect(made.map((d) => d.endpointId).sort()).toEqual([a1.id, a2.id].sort());
    expect(made.every((d) => d.event === "pair.finalized" && d.status === "pending" && d.attempts === 0)).toBe(true);
    expect(new Set(made.map((d) => d.eventId)).size).toBe(1); // one event, two deliveries
    expect(made[0]!.payload).toEqual({
      id: made[0]!.eventId,
      type: "pair.finalized",
      occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      projectId: p.id,
      data: {
        pairId: String(pair.id),
        externalId: "x-0",
        instruction: "Make the car blue 0",
        task: null,
        subtask: null,
        finalDecision: "accept",
        finalInstruction: "Make the car blue 0",
        finalReasons: [],
        finalSource: "consensus",
        finalizedAt: pair.finalizedAt!.toISOString(),
        agreement: 1,
        labelCount: 2,
      },
    });
    expect(await deliveries({ endpointIds: [exportsOnly.id, inactive.id, elsewhere.id] })).toEqual([]);
  });

  it("a reviewer's adjudication queues pair.finalized too; routing to review and gold edits do not", async () => {
    const p = await newProject({ overlap: 2 });
    const hook = await addEndpoint(p.id, ["pair.finalized"]);
    const [u1, u2] = await makeUsers(t, 2, "r");
    const [reviewer] = await makeUsers(t, 1, "rev");
    await label(p.pairs[0]!, u1!, "accept");
    await label(p.pairs[0]!, u2!, "reject", ["artifacts"]);
    expect((await t.prisma.pair.findUniqueOrThrow({ where: { id: p.pairs[0]! } })).status).toBe("in_review");
    expect(await deliveries({ endpointIds: [hook.id] })).toEqual([]);

    await adjudicatePair(t, { id: reviewer!, role: "reviewer" }, p.pairs[0]!, {
      submissionId: randomUUID(), decision: "reject", reasons: ["artifacts"], promoteToGold: true,
    });
    const [d] = await deliveries({ endpointIds: [hook.id] });
    expect(d?.payload).toMatchObject({ data: { finalDecision: "reject", finalReasons: ["artifacts"], finalSource: "review" } });
    // Promoted to gold in the same transaction; changing the gold answer later is not a finalisation.
    await t.query(`UPDATE pairs SET final_decision = 'accept', final_reasons = '{}', gold_decision = 'accept' WHERE id = $1`, [p.pairs[0]]);
    expect(await deliveries({ endpointIds: [hook.id] })).toHaveLength(1);
  });

  it("emitEvent writes in the caller's transaction: rolled back leaves nothing, committed reaches each subscriber", async () => {
    const p = await newProject();
    const e1 = await addEndpoint(p.id, ["export.finished"]);
    const e2 = await addEndpoint(p.id, ["pair.finalized", "export.finished"]);
    await addEndpoint(p.id, ["pair.finalized"]);
    const data = { exportId: "17", format: "canonical", rows: 1000 };

    await expect(
      t.transaction(async (r) => {
        expect(await emitEvent(r, { projectId: p.id, event: "export.finished", data })).toBe(2);
        expect(await r.query(`SELECT id FROM webhook_deliveries WHERE event = 'export.finished' AND endpoint_id = ANY($1)`, [[e1.id, e2.id]])).toHaveLength(2);
        throw new Error("export failed after all");
      }),
    ).rejects.toThrow("export failed after all");
    expect(await deliveries({ projectId: p.id })).toEqual([]);

    expect(await t.transaction((r) => emitEvent(r, { projectId: p.id, event: "export.finished", data }))).toBe(2);
    const made = await deliveries({ projectId: p.id });
    expect(made.map((d) => d.endpointId).sort()).toEqual([e1.id, e2.id].sort());
    expect(made[0]!.payload).toMatchObject({ type: "export.finished", projectId: p.id, data });
    expect(await t.transaction((r) => emitEvent(r, { projectId: 999_999, event: "export.finished", data }))).toBe(0);
  });

  it("the worker posts the signed event; the receiver verifies it; the log records the answer", async () => {
    const p = await newProject({ overlap: 1 });
    const hook = await addEndpoint(p.id, ["pair.finalized"]);
    const [u] = await makeUsers(t, 1, "s");
    await label(p.pairs[0]!, u!, "accept");
    const [queued] = await deliveries({ endpointIds: [hook.id] });

    const outcomes = await drain(hook.id);
    expect(outcomes).toEqual([expect.objectContaining({ id: String(queued!.id), delivered: true, statusCode: 200, status: "delivered", attempt: 1 })]);
    const [got] = rx.for(hook.path);
    expect(got?.verified).toBe(true);
    expect(got?.legacyVerified).toBe(true);
    expect(got?.headers).toMatchObject({
      "webhook-id": queued!.eventId,
      "webhook-timestamp": expect.stringMatching(/^\d{10}$/),
      "webhook-signature": expect.stringMatching(/^v1,[A-Za-z0-9+/]{43}=$/),
      "content-type": "application/json",
      "loupe-event": "pair.finalized",
      "loupe-event-id": queued!.eventId,
      "loupe-delivery": String(queued!.id),
      "loupe-attempt": "1",
    });
    expect(JSON.parse(got!.body)).toEqual(queued!.payload);
    expect(Math.abs(Number(got!.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(120);
    expect(new Webhook(hook.secret).verify(got!.body, got!.headers as Record<string, string>)).toEqual(queued!.payload);
    expect(libraryVerifies(`whsec_${Buffer.from("not the secret").toString("base64")}`, got!.headers, got!.body)).toBe(false);
    expect(libraryVerifies(hook.secret, got!.headers, got!.body.replace("accept", "reject"))).toBe(false);
    expect(verify("whsec_not_it", got!.headers["loupe-signature"] as string, got!.body)).toBe(false);
    // Loupe-Signature signs the same instant as webhook-timestamp.
    expect(got!.headers["loupe-signature"]).toMatch(new RegExp(`^t=${got!.headers["webhook-timestamp"]},v1=[0-9a-f]{64}$`));

    const [row] = await deliveries({ endpointIds: [hook.id] });
    expect(row).toMatchObject({ status: "delivered", attempts: 1, lastStatusCode: 200, lastError: null });
    expect(row!.responseMs).toBeGreaterThanOrEqual(0);
    expect(row!.deliveredAt).not.toBeNull();
    const page = await listDeliveries(t, hook.id);
    expect(page.items[0]).toMatchObject({ id: String(row!.id), status: "delivered", nextAttemptAt: null, lastStatusCode: 200 });
  });

  it("a 500 is retried with backoff, then delivered on the next attempt", async () => {
    const p = await newProject();
    const hook = await addEndpoint(p.id, ["export.finished"]);
    rx.script.set(hook.path, [500, 200]);
    await t.transaction((r) => emitEvent(r, { projectId: p.id, event: "export.finished", data: { exportId: "1" } }));

    const before = Date.now();
    const [first] = await drain(hook.id);
    expect(first).toMatchObject({ delivered: false, statusCode: 500, status: "pending", attempt: 1 });
    let [row] = await deliveries({ endpointIds: [hook.id] });
    expect(row).toMatchObject({ status: "pending", attempts: 1, lastStatusCode: 500 });
    expect(row!.lastError).toMatch(/^HTTP 500 Internal Server Error: receiver says no \(500\)$/);
    const waitS = (row!.nextAttemptAt.getTime() - before) / 1000;
    expect(waitS).toBeGreaterThan(RETRY_DELAYS_S[0] * 0.8 - 2);
    expect(waitS).toBeLessThan(RETRY_DELAYS_S[0] * 1.2 + 2);
    expect(await drain(hook.id), "not due before its backoff").toEqual([]);

    await makeDue(row!.id);
    const [second] = await drain(hook.id);
    expect(second).toMatchObject({ delivered: true, statusCode: 200, status: "delivered", attempt: 2 });
    [row] = await deliveries({ endpointIds: [hook.id] });
    expect(row).toMatchObject({ status: "delivered", attempts: 2, lastStatusCode: 200, lastError: null });
    const got = rx.for(hook.path);
    expect(got.map((g) => g.headers["loupe-attempt"])).toEqual(["1", "2"]);
    expect(got.every((g) => g.verified && g.legacyVerified)).toBe(true);
    // Same event, same body, same webhook-id (receivers dedupe on it); each attempt signed afresh.
    expect(new Set(got.map((g) => g.headers["loupe-event-id"])).size).toBe(1);
    expect(got.map((g) => g.headers["webhook-id"])).toEqual([got[0]!.headers["loupe-event-id"], got[0]!.headers["loupe-event-id"]]);
    expect(got[0]!.body).toBe(got[1]!.body);
  });

  it(`gives up after ${MAX_ATTEMPTS} attempts with growing waits; Redeliver sends the same event again`, async () => {
    const p = await newProject();
    const hook = await addEndpoint(p.id, ["export.finished"]);
    rx.script.set(hook.path, Array.from({ length: MAX_ATTEMPTS }, () => 503));
    await t.transaction((r) => emitEvent(r, { projectId: p.id, event: "export.finished", data: { exportId: "2" } }));
    const [queued] = await deliveries({ endpointIds: [hook.id] });

    const waits: number[] = [];
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      await makeDue(queued!.id);
      const [o] = await drain(hook.id, { random: () => 0.5 });
      expect(o).toMatchObject({ attempt, statusCode: 503, status: attempt < MAX_ATTEMPTS ? "pending" : "failed" });
      const [row] = await deliveries({ endpointIds: [hook.id] });
      waits.push(Math.round((row!.nextAttemptAt.getTime() - row!.lastAttemptAt!.getTime()) / 1000));
    }
    expect(waits.slice(0, -1)).toEqual([...RETRY_DELAYS_S]);
    const [failed] = await deliveries({ endpointIds: [hook.id] });
    expect(failed).toMatchObject({ status: "failed", attempts: MAX_ATTEMPTS, lastStatusCode: 503 });
    await makeDue(queued!.id);
    expect(await drain(hook.id), "a failed delivery is never claimed again").toEqual([]);
    expect(rx.for(hook.path)).toHaveLength(MAX_ATTEMPTS);

    const again = await redeliver(t, admin, hook.id, queued!.id);
    expect(again).toMatchObject({ status: "pending", redeliveryOf: String(queued!.id), eventId: queued!.eventId, attempts: 0 });
    expect(await drain(hook.id)).toEqual([expect.objectContaining({ id: again.id, delivered: true })]);
    const last = rx.for(hook.path).at(-1)!;
    expect(last.headers["loupe-event-id"]).toBe(queued!.eventId);
    expect(last.headers["loupe-delivery"]).toBe(again.id);
    expect(last.headers["webhook-id"], "a redelivery is the same message").toBe(queued!.eventId);
    expect(last.verified).toBe(true);
    expect(await t.prisma.auditEvent.count({ where: { action: "webhook.redeliver", subjectId: String(hook.id) } })).toBe(1);
  });

  it("two workers never deliver one delivery twice", async () => {
    const p = await newProject();
    const hook = await addEndpoint(p.id, ["export.finished"]);
    const n = 40;
    await t.transaction(async (r) => {
      for (let i = 0; i < n; i++) await emitEvent(r, { projectId: p.id, event: "export.finished", data: { exportId: String(i) } });
    });
    // Two workers racing round after round over the same queue (on the server, on separate connections).
    const worker = async () => {
      const mine = [];
      for (;;) {
        const round = await deliverDue(t, { allow: LOCAL, batch: 7, perEndpoint: 8 });
        if (round.length === 0) return mine;
        mine.push(...round);
      }
    };
    const [a, b] = await Promise.all([worker(), worker()]);
    // Only this endpoint's: the workers also take whatever an earlier test left due.
    const mine = [...a, ...b].filter((o) => o.endpointId === hook.id);
    expect(mine).toHaveLength(n);
    expect(new Set(mine.map((o) => o.id)).size).toBe(n);
    const got = rx.for(hook.path).map((g) => g.headers["loupe-delivery"]);
    expect(got).toHaveLength(n);
    expect(new Set(got).size).toBe(n);
    expect((await deliveries({ endpointIds: [hook.id] })).every((d) => d.status === "delivered" && d.attempts === 1)).toBe(true);
  });

  it("a claim that expires (its worker died) is taken over, and the late worker's result is ignored", async () => {
    const p = await newProject();
    const hook = await addEndpoint(p.id, ["export.finished"]);
    await t.transaction((r) => emitEvent(r, { projectId: p.id, event: "export.finished", data: {} }));
    const [stale] = await claimDueDeliveries(t, 10, { claimSeconds: 0 }); // a claim that expires at once
    expect(stale).toMatchObject({ attempts: 1 });
    const [taken] = await claimDueDeliveries(t, 10);
    expect(taken).toMatchObject({ id: stale!.id, attempts: 2 });
    expect(await attemptDelivery(t, stale!, { allow: LOCAL })).toMatchObject({ delivered: true, status: null });
    expect((await deliveries({ endpointIds: [hook.id] }))[0]).toMatchObject({ status: "delivering", attempts: 2 });
    expect(await attemptDelivery(t, taken!, { allow: LOCAL })).toMatchObject({ delivered: true, status: "delivered" });
  });

  it("a delivery made due \"now\" is claimed in that same instant, though its millisecond column rounds the time up", async () => {
    await drain(-1); // earlier tests' leftovers out of the way: this test claims without sending
    const p = await newProject();
    const hook = await addEndpoint(p.id, ["export.finished"]);
    await t.transaction((r) => emitEvent(r, { projectId: p.id, event: "export.finished", data: {} }));
    const [queued] = await deliveries({ endpointIds: [hook.id] });
    // now() is fixed within a transaction: one whose now() rounds up to the next millisecond (about
    // every other one on the server) stores the row made due ahead of now() — it must be claimed all
    // the same. Each round puts the row back to pending, made due and claimed in one transaction.
    const inThis = (tx: SqlRunner) => ({ query: tx.query, exec: tx.exec, transaction: <T,>(fn: (r: SqlRunner) => Promise<T>) => fn(tx) });
    let roundedUp = 0;
    let last: Awaited<ReturnType<typeof claimDueDeliveries>> = [];
    for (let round = 0; round < 20; round++) {
      const { ahead, claimed } = await t.transaction(async (tx) => {
        await tx.query(`UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = now() WHERE id = $1`, [queued!.id]);
        const [row] = await tx.query<{ ahead: boolean }>(`SELECT next_attempt_at > now() AS ahead FROM webhook_deliveries WHERE id = $1`, [queued!.id]);
        return { ahead: row!.ahead, claimed: await claimDueDeliveries(inThis(tx), 10) };
      });
      expect(claimed.map((d) => d.id), `round ${round}${ahead ? ", stored ahead of now()" : ""}`).toEqual([String(queued!.id)]);
      if (ahead) roundedUp++;
      last = claimed;
    }
    // PGlite's clock ticks in whole milliseconds, so the rounding only ever happens on the server.
    if (engine === "postgres") expect(roundedUp, "some rounds stored the time ahead of now()").toBeGreaterThan(0);
    else expect(roundedUp).toBe(0);
    expect(await attemptDelivery(t, last[0]!, { allow: LOCAL })).toMatchObject({ delivered: true, status: "delivered" });
  });

  it("refuses private targets at send time, does not follow redirects, and ends a silent receiver at the time limit", async () => {
    const p = await newProject();
    const hook = await addEndpoint(p.id, ["export.finished"]);
    rx.script.set(hook.path, [{ status: 302, location: "http://169.254.169.254/" }, "hang"]);
    await drain(-1); // earlier tests' leftovers out of the way: they are not what this test refuses
    await t.transaction((r) => emitEvent(r, { projectId: p.id, event: "export.finished", data: {} }));
    const [queued] = await deliveries({ endpointIds: [hook.id] });

    const [refused] = await drain(hook.id, { allow: parseAllowList([]) });
    expect(refused).toMatchObject({ delivered: false, statusCode: null, status: "pending" });
    expect(refused!.error).toMatch(/^refused: 127\.0\.0\.1 is a loopback address; set LOUPE_WEBHOOK_ALLOW/);
    expect(rx.for(hook.path)).toHaveLength(0);

    await makeDue(queued!.id);
    const [redirected] = await drain(hook.id);
    expect(redirected).toMatchObject({ delivered: false, statusCode: 302 });
    expect(redirected!.error).toMatch(/redirects are not followed \(Location: http:\/\/169\.254\.169\.254\/\)/);
    expect(rx.for(hook.path)).toHaveLength(1); // the redirect target was never called

    await makeDue(queued!.id);
    const [silent] = await drain(hook.id, { timeoutMs: 300 });
    expect(silent).toMatchObject({ delivered: false, statusCode: null, error: "timed out after 0.3 s", status: "pending" });
  });

  it("switching an endpoint off holds its queue; switching it on sends it; test events go to inactive endpoints", async () => {
    const p = await newProject();
    const hook = await addEndpoint(p.id, ["export.finished"]);
    await t.transaction((r) => emitEvent(r, { projectId: p.id, event: "export.finished", data: {} }));
    await updateEndpoint(t, admin, hook.id, { active: false });
    expect((await deliveries({ endpointIds: [hook.id] }))[0]).toMatchObject({ status: "paused" });
    expect(await t.transaction((r) => emitEvent(r, { projectId: p.id, event: "export.finished", data: {} }))).toBe(0);

    const test = await sendTestEvent(t, admin, hook.id);
    expect(test).toMatchObject({ event: "webhook.test", status: "pending", maxAttempts: 1 });
    expect(await drain(hook.id)).toEqual([expect.objectContaining({ id: test.id, delivered: true })]);
    expect(JSON.parse(rx.for(hook.path)[0]!.body)).toMatchObject({ type: "webhook.test", projectId: p.id, data: { endpointId: hook.id } });
    expect(WEBHOOK_PAYLOADS["webhook.test"].safeParse(JSON.parse(rx.for(hook.path)[0]!.body)).error).toBeUndefined();
    await expect(redeliver(t, admin, hook.id, BigInt((await deliveries({ endpointIds: [hook.id] }))[0]!.id))).rejects.toThrow(/inactive/);

    await updateEndpoint(t, admin, hook.id, { active: true });
    expect(await drain(hook.id)).toEqual([expect.objectContaining({ delivered: true, status: "delivered" })]);
    expect(rx.for(hook.path).map((g) => g.headers["loupe-event"])).toEqual(["webhook.test", "export.finished"]);
  });

  it("endpoints: secret shown only on create and rotation, rotation signs with both for a day, URL policy, audits", async () => {
    const p = await newProject();
    const hook = await addEndpoint(p.id, ["export.finished"]);
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/); // 32 bytes, standard base64
    expect(Buffer.from(hook.secret.slice(6), "base64")).toHaveLength(32);
    expect(hook.legacySecret).toBe(false);
    const listed = await listEndpoints(t, p.id);
    expect(listed).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(hook.secret);

    const rotated = await rotateSecret(t, admin, hook.id, true);
    expect(rotated.secret).not.toBe(hook.secret);
    expect(rotated.endpoint.previousSecretUntil).not.toBeNull();
    await sendTestEvent(t, admin, hook.id);
    await drain(hook.id);
    const header = rx.for(hook.path).at(-1)!.headers["loupe-signature"] as string;
    const body = rx.for(hook.path).at(-1)!.body;
    expect(header.match(/v1=/g)).toHaveLength(2);
    expect(verify(hook.secret, header, body)).toBe(true); // a receiver not yet switched over
    expect(verify(rotated.secret, header, body)).toBe(true);
    const during = rx.for(hook.path).at(-1)!;
    expect((during.headers["webhook-signature"] as string).split(" ")).toHaveLength(2);
    expect(libraryVerifies(hook.secret, during.headers, during.body)).toBe(true);
    expect(libraryVerifies(rotated.secret, during.headers, during.body)).toBe(true);
    const cut = await rotateSecret(t, admin, hook.id, false);
    expect(cut.endpoint.previousSecretUntil).toBeNull();
    await sendTestEvent(t, admin, hook.id);
    await drain(hook.id);
    const last = rx.for(hook.path).at(-1)!;
    expect(verify(cut.secret, last.headers["loupe-signature"] as string, last.body)).toBe(true);
    expect(verify(rotated.secret, last.headers["loupe-signature"] as string, last.body)).toBe(false);
    expect(libraryVerifies(cut.secret, last.headers, last.body)).toBe(true);
    expect(libraryVerifies(rotated.secret, last.headers, last.body)).toBe(false);
    expect(last.headers["webhook-signature"]).not.toContain(" ");

    await expect(createEndpoint(t, admin, p.id, { url: "ftp://example.com/x", events: ["export.finished"], description: "" })).rejects.toThrow(InvalidError);
    await expect(createEndpoint(t, admin, p.id, { url: "http://10.0.0.8/x", events: ["export.finished"], description: "" })).rejects.toThrow(/private address/);
    await expect(t.query(`UPDATE webhook_endpoints SET events = '{pair.created}' WHERE id = $1`, [hook.id])).rejects.toThrow(/webhook_endpoints_events_check/);

    await updateEndpoint(t, admin, hook.id, { events: ["pair.finalized"], description: "training pipeline" });
    await deleteEndpoint(t, admin, hook.id);
    expect(await listEndpoints(t, p.id)).toEqual([]);
    expect(await deliveries({ endpointIds: [hook.id] }), "the log goes with the endpoint").toEqual([]);
    const audits = await t.prisma.auditEvent.findMany({ where: { subjectType: "webhook", subjectId: String(hook.id) }, orderBy: { id: "asc" } });
    expect(audits.map((a) => a.action)).toEqual([
      "webhook.create", "webhook.rotate_secret", "webhook.test", "webhook.rotate_secret", "webhook.test", "webhook.update", "webhook.delete",
    ]);
    expect(audits[5]!.data).toMatchObject({ changes: { events: { from: ["export.finished"], to: ["pair.finalized"] } } });
    expect(JSON.stringify(audits, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))).not.toContain("whsec_");
  });

  it("pages the log newest first and prunes finished deliveries past the retention", async () => {
    const p = await newProject();
    const hook = await addEndpoint(p.id, ["export.finished"]);
    await t.transaction(async (r) => {
      for (let i = 0; i < 60; i++) await emitEvent(r, { projectId: p.id, event: "export.finished", data: { i } });
    });
    const first = await listDeliveries(t, hook.id);
    expect(first.items).toHaveLength(50);
    const second = await listDeliveries(t, hook.id, { before: BigInt(first.nextCursor!) });
    expect(second.items).toHaveLength(10);
    expect(second.nextCursor).toBeNull();
    const ids = [...first.items, ...second.items].map((d) => BigInt(d.id));
    expect(ids).toEqual([...ids].sort((x, y) => (x > y ? -1 : 1)));

    // The oldest 20 of them delivered 40 days ago (with everything older, as ids grow with time).
    const oldest = ids.slice(-20);
    await t.query(`UPDATE webhook_deliveries SET status = 'delivered' WHERE id = ANY($1::bigint[])`, [oldest.map(String)]);
    await t.query(`UPDATE webhook_deliveries SET created_at = now() - interval '40 days' WHERE id <= $1`, [String(oldest[0])]);
    expect((await pruneDeliveries(t)).deleted).toBeGreaterThanOrEqual(20);
    const left = await listDeliveries(t, hook.id);
    expect(left.items).toHaveLength(40);
    expect(left.items.every((d) => d.status === "pending")).toBe(true);
    expect(await pruneDeliveries(t), "nothing old is left").toEqual({ deleted: 0, done: true });
  });

  it("prunes a backlog past one batch in one pass, oldest first, bounded by time, leaving unfinished and recent rows", async () => {
    const p = await newProject();
    const hook = await addEndpoint(p.id, ["export.finished"]);
    const insert = (n: number, status: string, age: string) =>
      t.query(
        `INSERT INTO webhook_deliveries (endpoint_id, event, event_id, payload, status, created_at)
         SELECT $1, 'export.finished', gen_random_uuid(), '{}'::jsonb, $2, now() - $3::interval FROM generate_series(1, $4::int)`,
        [hook.id, status, age, n],
      );
    await insert(11_000, "delivered", "40 days");
    await insert(1_000, "failed", "35 days");
    await insert(5, "paused", "90 days"); // still to send once the endpoint is back on: kept
    await insert(7, "delivered", "2 days");
    const count = async () =>
      Object.fromEntries(
        (await t.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1 GROUP BY status`, [hook.id]))
          .map((r) => [r.status, r.n]),
      );

    expect(await pruneDeliveries(t, { batch: 1_000, passMs: 0 })).toEqual({ deleted: 1_000, done: false });
    expect(await pruneDeliveries(t)).toEqual({ deleted: 11_000, done: true });
    expect(await count()).toEqual({ paused: 5, delivered: 7 });
  });

  it("a receiver that never answers holds at most two deliveries; other endpoints' deliveries keep flowing", async () => {
    await drain(-1); // earlier tests' leftovers out of the way
    const slowProject = await newProject();
    const fastProject = await newProject();
    const slow = await addEndpoint(slowProject.id, ["export.finished"]);
    const fast = await addEndpoint(fastProject.id, ["export.finished"]);
    rx.script.set(slow.path, Array.from({ length: 20 }, () => "hang" as const));
    await t.transaction(async (r) => {
      for (let i = 0; i < 12; i++) await emitEvent(r, { projectId: slowProject.id, event: "export.finished", data: { i } });
    });
    // The slow endpoint's deliveries are all due first: a claim in plain time order would take them all.
    await t.query(`UPDATE webhook_deliveries SET next_attempt_at = now() - interval '1 minute' WHERE endpoint_id = $1`, [slow.id]);
    await t.transaction(async (r) => {
      for (let i = 0; i < 4; i++) await emitEvent(r, { projectId: fastProject.id, event: "export.finished", data: { i } });
    });

    // Claims alone: two of the slow endpoint's, then none more of them while those two are out.
    const first = await claimDueDeliveries(t, 8);
    expect(first.filter((d) => d.endpointId === slow.id)).toHaveLength(2);
    expect(first.filter((d) => d.endpointId === fast.id)).toHaveLength(2);
    const second = await claimDueDeliveries(t, 8);
    expect(second.filter((d) => d.endpointId === slow.id)).toHaveLength(0);
    expect(second.filter((d) => d.endpointId === fast.id)).toHaveLength(0);
    // Let those claims lapse, as if their worker had died, before the real worker runs.
    await t.query(`UPDATE webhook_deliveries SET next_attempt_at = now() - interval '2 minutes' WHERE status = 'delivering' AND endpoint_id = ANY($1)`, [[slow.id, fast.id]]);

    const worker = startWebhookWorker(t, { allow: LOCAL, timeoutMs: 60_000 });
    try {
      const delivered = async () => (await deliveries({ endpointIds: [fast.id] })).filter((d) => d.status === "delivered").length;
      const deadline = Date.now() + 15_000;
      while ((await delivered()) < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await delivered(), "the healthy endpoint got everything while the other hung").toBe(4);
      expect(rx.for(fast.path)).toHaveLength(4);
      expect(rx.maxOpen.get(slow.path)).toBe(2);
      const slowRows = await deliveries({ endpointIds: [slow.id] });
      expect(slowRows.filter((d) => d.status === "delivering")).toHaveLength(2);
      expect(slowRows.filter((d) => d.status === "pending")).toHaveLength(10);
    } finally {
      rx.release(slow.path); // the two hanging attempts get a 503 and are retried later; the rest go now
      await worker.stop();
    }
    const after = await deliveries({ endpointIds: [slow.id] });
    expect(after.filter((d) => d.status === "pending" && d.lastStatusCode === 503)).toHaveLength(2);
    expect(rx.maxOpen.get(slow.path)).toBe(2);
  });

  it("URLs too long once normalised and ids past bigint are refused as invalid input, not database errors", async () => {
    const p = await newProject();
    const long = `${rx.url("/")}${"é".repeat(1000)}`; // 1,0xx characters typed, 6,0xx stored
    await expect(createEndpoint(t, admin, p.id, { url: long, events: ["export.finished"], description: "" })).rejects.toThrow(
      /^url: This URL is 6,\d{3} characters once spaces and other special characters are percent-encoded; the limit is 2,048\.$/,
    );
    const hook = await addEndpoint(p.id, ["export.finished"]);
    await expect(updateEndpoint(t, admin, hook.id, { url: long })).rejects.toThrow(InvalidError);
    expect(ZDeliveryParams.safeParse({ endpointId: String(hook.id), deliveryId: "9999999999999999999" }).success).toBe(false);
  });

  it("undoing the label that finalised a pair sends pair.reopened with the reason and the previous outcome; finalised again, pair.finalized", async () => {
    const p = await newProject({ overlap: 1 });
    const hook = await addEndpoint(p.id, ["pair.finalized", "pair.reopened"]);
    const finalizedOnly = await addEndpoint(p.id, ["pair.finalized"]);
    const [u, v] = await makeUsers(t, 2, "undo");
    await label(p.pairs[0]!, u!, "reject", ["artifacts"]);
    const finalised = await t.prisma.pair.findUniqueOrThrow({ where: { id: p.pairs[0]! } });
    expect(await deliveries({ endpointIds: [hook.id] })).toHaveLength(1);
    await t.query(`DELETE FROM labels WHERE pair_id = $1`, [p.pairs[0]]);
    expect((await t.prisma.pair.findUniqueOrThrow({ where: { id: p.pairs[0]! } })).status).toBe("open");
    const [, reopened] = await deliveries({ endpointIds: [hook.id] });
    expect(reopened).toMatchObject({ event: "pair.reopened", status: "pending" });
    expect(reopened!.payload).toEqual({
      id: reopened!.eventId,
      type: "pair.reopened",
      occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      projectId: p.id,
      data: {
        pairId: String(p.pairs[0]),
        externalId: "x-0",
        task: null,
        subtask: null,
        reason: "undo",
        status: "open",
        labelCount: 0,
        previousOutcome: {
          finalDecision: "reject",
          finalInstruction: "Make the car blue 0",
          finalReasons: ["artifacts"],
          finalSource: "consensus",
          finalizedAt: finalised.finalizedAt!.toISOString(),
          agreement: 1,
        },
      },
    });
    expect(await deliveries({ endpointIds: [finalizedOnly.id] }), "not subscribed to pair.reopened").toHaveLength(1);

    await label(p.pairs[0]!, v!, "accept");
    const made = await deliveries({ endpointIds: [hook.id] });
    expect(made.map((d) => d.event)).toEqual(["pair.finalized", "pair.reopened", "pair.finalized"]);
    expect((made[2]!.payload as { data: { finalDecision: string } }).data.finalDecision).toBe("accept");
    // The bodies are what the OpenAPI document's webhooks say (generated from these strict schemas).
    for (const d of made) expect(WEBHOOK_PAYLOADS[d.event as TDeliveryEvent].safeParse(d.payload).error, d.event).toBeUndefined();

    // Delivered and verified like any event.
    await drain(hook.id);
    const got = rx.for(hook.path).find((g) => g.headers["webhook-id"] === reopened!.eventId);
    expect(got).toMatchObject({ verified: true, legacyVerified: true });
    expect(got!.headers["loupe-event"]).toBe("pair.reopened");
  });

  it("a reviewer's correction that sends a final pair back to review is a pair.reopened; a named reason wins; other updates send none", async () => {
    const p = await newProject({ overlap: 1, pairs: 3 });
    const hook = await addEndpoint(p.id, ["pair.reopened"]);
    const [u] = await makeUsers(t, 1, "corr");
    for (const id of p.pairs) await label(id, u!, "accept");
    const withdraw = (id: bigint, status: "in_review" | "open") =>
      `UPDATE pairs SET status = '${status}', final_decision = NULL, final_instruction = NULL, final_reasons = '{}', final_source = NULL,
         finalized_at = NULL WHERE id = ${id}`;

    // A correction path withdrawing the pair into review, as a reviewer's would.
    await t.query(withdraw(p.pairs[0]!, "in_review"));
    // A path that names its reason for the transaction.
    await t.transaction(async (tx) => {
      await tx.query(`SELECT set_config('loupe.reopen_reason', 'review', true)`);
      await tx.query(withdraw(p.pairs[1]!, "open"));
    });
    // Updates of other columns of a final pair, and of pairs not final, never emit it.
    await t.query(`UPDATE pairs SET status = 'final', review_note = 'checked' WHERE id = $1`, [p.pairs[2]]);
    await t.query(`UPDATE pairs SET status = 'open' WHERE id = $1`, [p.pairs[1]]);

    const made = await deliveries({ endpointIds: [hook.id] });
    expect(made.map((d) => (d.payload as { data: { pairId: string; reason: string; status: string } }).data)).toEqual([
      expect.objectContaining({ pairId: String(p.pairs[0]), reason: "review", status: "in_review" }),
      expect.objectContaining({ pairId: String(p.pairs[1]), reason: "review", status: "open" }),
    ]);
    expect((made[0]!.payload as { data: { previousOutcome: unknown } }).data.previousOutcome).toMatchObject({ finalDecision: "accept", finalSource: "consensus" });
    await expect(t.query(`SELECT current_setting('loupe.reopen_reason', true) AS r`)).resolves.toEqual([{ r: expect.not.stringMatching(/review/) }]);
  });

  it("a secret made before Standard Webhooks (base64url) keeps its key: Loupe-Signature as before, the library once translated", async () => {
    const p = await newProject();
    const hook = await addEndpoint(p.id, ["export.finished"]);
    // The old generateSecret: whsec_ + base64url of 24 bytes. This one has both characters base64 lacks.
    const legacy = "whsec_ab-_cd-_ef-_gh-_ij-_kl-_mn-_op-_";
    const translated = `whsec_${legacy.slice("whsec_".length).replace(/-/g, "+").replace(/_/g, "/")}`;
    await t.query(`UPDATE webhook_endpoints SET secret = $2 WHERE id = $1`, [hook.id, legacy]);
    expect((await listEndpoints(t, p.id))[0]).toMatchObject({ id: hook.id, legacySecret: true });
    await t.transaction((r) => emitEvent(r, { projectId: p.id, event: "export.finished", data: {} }));
    await drain(hook.id);
    const got = rx.for(hook.path).at(-1)!;
    expect(verify(legacy, got.headers["loupe-signature"] as string, got.body)).toBe(true);
    expect(() => new Webhook(legacy)).toThrow(); // why the admin page asks for a rotation
    expect(libraryVerifies(translated, got.headers, got.body)).toBe(true);

    const rotated = await rotateSecret(t, admin, hook.id, true);
    expect(rotated.endpoint.legacySecret).toBe(false);

    // A secret that is no key at all (only a hand edit of the table makes one) fails the attempt in the log.
    await t.query(`UPDATE webhook_endpoints SET secret = 'whsec_not base64!', previous_secret = NULL WHERE id = $1`, [hook.id]);
    const sent = rx.for(hook.path).length;
    await t.transaction((r) => emitEvent(r, { projectId: p.id, event: "export.finished", data: {} }));
    const [refused] = await drain(hook.id);
    expect(refused).toMatchObject({ delivered: false, statusCode: null, status: "pending" });
    expect(refused!.error).toMatch(/secret is not whsec_ followed by base64; rotate it/);
    expect(rx.for(hook.path)).toHaveLength(sent);
  });

  it("every webhook action is audited, listed among the known actions and summarised in words", async () => {
    const p = await newProject();
    const hook = await addEndpoint(p.id, ["export.finished"]);
    await updateEndpoint(t, admin, hook.id, { events: ["pair.finalized", "export.finished"], active: false });
    await rotateSecret(t, admin, hook.id, true);
    await rotateSecret(t, admin, hook.id, false);
    const test = await sendTestEvent(t, admin, hook.id);
    await drain(hook.id);
    await redeliver(t, admin, hook.id, BigInt(test.id));
    await deleteEndpoint(t, admin, hook.id);

    const page = await listAuditEvents(t, ZAuditQuery.parse({ action: "webhook.*" }));
    const mine = page.events.filter((e) => e.subjectId === String(hook.id)).reverse();
    expect(mine.map((e) => e.action)).toEqual([
      "webhook.create", "webhook.update", "webhook.rotate_secret", "webhook.rotate_secret", "webhook.test", "webhook.redeliver", "webhook.delete",
    ]);
    for (const e of mine) expect(KNOWN_AUDIT_ACTIONS, e.action).toContain(e.action);
    const name = mine[0]!.projectName!;
    expect(mine.map((e) => summarizeAuditEvent(e))).toEqual([
      `Added webhook ${hook.id} in ${name}: ${hook.url} for export.finished`,
      `Changed webhook ${hook.id} in ${name}: switched off; events export.finished → pair.finalized, export.finished`,
      expect.stringMatching(new RegExp(`^Rotated the secret of webhook ${hook.id} in .+; the previous one also signs until \\d{4}-\\d\\d-\\d\\dT`)),
      `Rotated the secret of webhook ${hook.id} in ${name}; the previous one stopped at once`,
      `Sent a test event to webhook ${hook.id} in ${name}: ${hook.url}`,
      expect.stringMatching(new RegExp(`^Redelivered webhook\\.test event [0-9a-f-]{36} to webhook ${hook.id} in .+ \\(delivery ${test.id} → \\d+\\)$`)),
      `Deleted webhook ${hook.id} in ${name}: ${hook.url}`,
    ]);
  });
});
