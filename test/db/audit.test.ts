import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AUDIT_PAGE_SIZE,
  KNOWN_AUDIT_ACTIONS,
  listAuditActions,
  listAuditEvents,
  summarizeAuditEvent,
  ZAuditQuery,
  type TAuditQuery,
} from "@/lib/audit-log/queries";
import { updateProjectSettings } from "@/test/support/settings";
import { engines, freshDatabase, type TestDatabase } from "../support/db";
import { makeProject, makeUsers } from "../support/fixtures";

const ACTIONS = ["label.create", "gold.promote", "test.custom"] as const;
// 2026-01-15 12:00 UTC: New York is UTC-5 that day (no daylight saving).
const BASE = Date.UTC(2026, 0, 15, 12, 0, 0);

interface Seeded {
  i: number;
  id: string;
  actorId: number | null;
  action: string;
  at: number;
}

describe.each(engines())("audit log queries on $engine", ({ engine }) => {
  let t: TestDatabase;
  let seeded: Seeded[] = [];
  let actors: (number | null)[] = [];
  beforeAll(async () => {
    t = await freshDatabase(engine);
    const [u1, u2] = await makeUsers(t, 2, "auditor");
    actors = [u1!, u2!, null];
    // 130 rows, one a minute, actors and actions cycling with different periods so every filter matches an
    // irregular subset; inserted in time order, so ids follow time.
    for (let i = 0; i < 130; i++) {
      const actorId = actors[i % 3]!;
      const action = ACTIONS[i % ACTIONS.length === 0 ? 0 : i % 5 === 0 ? 2 : 1]!;
      const at = BASE + i * 60_000;
      const row = await t.prisma.auditEvent.create({
        data: { actorId, action, subjectType: "pair", subjectId: String(1000 + i), data: { i }, createdAt: new Date(at) },
      });
      seeded.push({ i, id: String(row.id), actorId, action, at });
    }
    seeded = seeded.sort((a, b) => Number(BigInt(b.id) - BigInt(a.id)));
  });
  afterAll(async () => {
    await t?.close();
  });

  async function walk(q: Omit<TAuditQuery, "cursor">, limit: number): Promise<string[][]> {
    const pages: string[][] = [];
    let cursor: string | undefined;
    for (let n = 0; n < 100; n++) {
      const page = await listAuditEvents(t, { ...q, cursor }, limit);
      pages.push(page.events.map((e) => e.id));
      if (!page.nextCursor) return pages;
      expect(page.nextCursor).toBe(page.events[page.events.length - 1]!.id);
      cursor = page.nextCursor;
    }
    throw new Error("paging did not end");
  }

  it("pages newest first by id, 50 at a time, with every row exactly once", async () => {
    const pages = await walk({}, AUDIT_PAGE_SIZE);
    expect(pages.map((p) => p.length)).toEqual([50, 50, 30]);
    expect(pages.flat()).toEqual(seeded.map((s) => s.id));
    const first = await listAuditEvents(t, {});
    expect(first.events[0]).toMatchObject({ action: seeded[0]!.action, subjectType: "pair", subjectId: String(1000 + seeded[0]!.i) });
  });

  it("filters by action, actor and system actor, across pages", async () => {
    for (const action of ACTIONS) {
      const expected = seeded.filter((s) => s.action === action).map((s) => s.id);
      const pages = await walk({ action }, 7);
      expect(pages.flat(), action).toEqual(expected);
      expect(pages.slice(0, -1).every((p) => p.length === 7)).toBe(true);
    }
    for (const actor of actors) {
      const expected = seeded.filter((s) => s.actorId === actor).map((s) => s.id);
      const pages = await walk({ actor: actor ?? "system" }, 9);
      expect(pages.flat(), String(actor)).toEqual(expected);
    }
    const both = seeded.filter((s) => s.actorId === actors[1] && s.action === "gold.promote").map((s) => s.id);
    expect((await walk({ actor: actors[1]!, action: "gold.promote" }, 4)).flat()).toEqual(both);
    expect((await walk({ action: "label.*" }, 50)).flat()).toEqual(seeded.filter((s) => s.action === "label.create").map((s) => s.id));
    expect(await listAuditEvents(t, { action: "nothing.here" })).toEqual({ events: [], nextCursor: null });
  });

  it("reads from/to as local times in the viewer's zone, 'to' including its whole minute", async () => {
    // 07:10–07:29 in New York is 12:10:00–12:29:59.999 UTC: rows 10 … 29.
    const q = ZAuditQuery.parse({ from: "2026-01-15T07:10", to: "2026-01-15T07:29", tz: "America/New_York", actor: "", action: "" });
    const expected = seeded.filter((s) => s.i >= 10 && s.i <= 29).map((s) => s.id);
    expect((await walk(q, 6)).flat()).toEqual(expected);
    // The same instants named in Tokyo (UTC+9).
    const tokyo = ZAuditQuery.parse({ from: "2026-01-15T21:10", to: "2026-01-15T21:29", tz: "Asia/Tokyo" });
    expect((await walk(tokyo, 50)).flat()).toEqual(expected);
    // Seconds given: 'to' is that instant, inclusive.
    const exact = ZAuditQuery.parse({ from: "2026-01-15T12:10:00", to: "2026-01-15T12:12:00", tz: "UTC" });
    expect((await walk(exact, 50)).flat()).toEqual(seeded.filter((s) => s.i >= 10 && s.i <= 12).map((s) => s.id));
    const mixed = seeded.filter((s) => s.i >= 10 && s.i <= 29 && s.actorId === null).map((s) => s.id);
    expect((await walk({ ...q, actor: "system" }, 2)).flat()).toEqual(mixed);
  });

  it("refuses malformed parameters instead of guessing", () => {
    expect(ZAuditQuery.safeParse({ from: "yesterday" }).success).toBe(false);
    expect(ZAuditQuery.safeParse({ tz: "Mars/Olympus" }).success).toBe(false);
    expect(ZAuditQuery.safeParse({ cursor: "12; DROP TABLE users" }).success).toBe(false);
    expect(ZAuditQuery.safeParse({ actor: "-3" }).success).toBe(false);
    expect(ZAuditQuery.parse({ actor: "", action: "", from: "", to: "", tz: "", cursor: "" })).toEqual({});
  });

  it("lists known and stored actions, and names subjects and projects in readable summaries", async () => {
    const actions = await listAuditActions(t);
    for (const a of [...KNOWN_AUDIT_ACTIONS, "test.custom"]) expect(actions).toContain(a);
    expect(actions).toEqual([...actions].sort());

    const project = await makeProject(t, { pairs: 0, name: "Audit summaries" });
    await updateProjectSettings(t, project.id, actors[0]!, { goldRate: 0.1, goldAccuracyThreshold: 0.75 });
    await t.prisma.auditEvent.create({
      data: { actorId: null, action: "annotator.paused", subjectType: "user", subjectId: String(actors[1]), data: { projectId: project.id, checks: 10, correct: 6, threshold: 0.7 } },
    });
    const page = await listAuditEvents(t, {}, 2);
    const [paused, updated] = page.events;
    expect(updated).toMatchObject({ action: "project.updated", subjectName: "Audit summaries", actorName: "auditor 0" });
    expect(summarizeAuditEvent(updated!)).toBe("Settings changed: gold rate 0% → 10%; gold accuracy threshold 70% → 75%");
    expect(paused).toMatchObject({ actorName: null, subjectName: "auditor 1", projectName: "Audit summaries" });
    expect(summarizeAuditEvent(paused!)).toBe("Paused by the gold rule in Audit summaries: 6 of 10 gold checks right, under the 70% threshold");
    const onPair = { projectName: "P", actorId: 1, subjectType: "pair", subjectId: "12" };
    expect(
      summarizeAuditEvent({ ...onPair, action: "review.adjudicate", data: { projectId: 1, decision: "reject", reasons: ["artifacts"], routingReasons: ["decision"], note: "Blurry hands" } }),
    ).toBe("Adjudicated pair 12 in P: reject (artifacts); routed for decision; note: Blurry hands");
    expect(
      summarizeAuditEvent({
        ...onPair,
        action: "gold.update",
        data: { before: { decision: "accept", reasons: [] }, after: { decision: "recaption", reasons: [], instruction: "make it blue" }, checks: 7, correctBefore: 3, correctAfter: 5 },
      }),
    ).toBe("Gold answer of pair 12 changed from accept to recaption “make it blue”; correct checks 3 → 5 of 7");
    expect(summarizeAuditEvent({ ...onPair, action: "gold.retire", data: { projectId: 1 } })).toBe("Retired gold pair 12 in P: no longer served or scored");
    expect(summarizeAuditEvent({ action: "test.custom", data: { i: 3, note: "x", nested: { a: 1 } }, projectName: null, actorId: 1, subjectType: "pair", subjectId: "1" })).toBe(
      "i: 3 · note: x",
    );
  });
});
