import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listPairs } from "@/lib/browse/queries";
import { BROWSE_SORTS, type TBrowseFilters, type TBrowseSort } from "@/lib/browse/filters";
import { countBulk, reopenPair, runBulk, sendPairToReview } from "@/lib/browse/actions";
import { getPairDetail } from "@/lib/browse/detail";
import { ConflictError, InvalidError } from "@/lib/errors";
import { engines, freshDatabase, type TestDatabase } from "../support/db";
import { makeProject, makeUsers } from "../support/fixtures";

// The data browser against SQL written out by hand: every filter's pages, walked with each sort and
// concatenated, equal the direct query's ordered result, with the scan window large (one pass) and
// small (pages that stop and continue), and a search through its short walk, its GIN index or both.

const N = 40;
const OBJECTS = ["sky", "car", "dog", "cat", "tree"];
const COLOURS = ["purple", "red", "green"];

describe.each(engines())("data browser on $engine", ({ engine }) => {
  let t: TestDatabase;
  let projectId: number;
  let other: number;
  let ann: number[];
  let admin: { id: number; role: "admin" };

  beforeAll(async () => {
    t = await freshDatabase(engine);
    const project = await makeProject(t, { pairs: N });
    projectId = project.id;
    other = (await makeProject(t, { pairs: 5 })).id;
    ann = await makeUsers(t, 2, "brw");
    const [a] = await makeUsers(t, 1, "brwadmin");
    admin = { id: a!, role: "admin" };
    const ids = (await t.query<{ id: string }>(`SELECT id::text AS id FROM pairs WHERE project_id = $1 ORDER BY id`, [projectId])).map((r) => r.id);
    // Labels first (their triggers settle pairs), then every column the filters read is set by hand.
    for (let i = 0; i < N; i += 3) {
      await t.query(
        `INSERT INTO labels (pair_id, project_id, annotator_id, decision, seconds_spent, submission_id)
         VALUES ($1, $2, $3, 'accept', 2, gen_random_uuid())`,
        [ids[i], projectId, ann[i % 2]],
      );
    }
    await t.query(
      `UPDATE pairs p SET
         instruction = 'Make the ' || ($2::text[])[1 + g % 5] || ' ' || ($3::text[])[1 + (g / 5) % 3] || ' please',
         task = 'task' || (g % 3), subtask = 'sub' || (g % 4),
         status = CASE WHEN fin THEN 'final' ELSE (ARRAY['open', 'labelled', 'in_review'])[1 + g % 5] END::"PairStatus",
         final_decision = CASE WHEN fin THEN (ARRAY['accept', 'reject', 'recaption'])[1 + g % 3]::"Decision" END,
         final_source = CASE WHEN fin THEN 'consensus' END,
         finalized_at = CASE WHEN fin THEN timestamptz '2026-03-01' + make_interval(hours => ((g * 7) % 40)::int) END,
         is_gold = g % 11 = 0, gold_active = g % 11 = 0 AND g % 22 <> 0,
         gold_decision = CASE WHEN g % 11 = 0 THEN 'accept'::"Decision" END,
         verifier_scores = CASE WHEN g % 6 = 0 THEN NULL ELSE jsonb_build_object('overall', g % 10, 'note', 'x') END,
         verifier_margin = CASE WHEN g % 6 = 0 THEN NULL ELSE ((g % 10) - 4) / 5.0 END,
         created_at = timestamptz '2026-01-01' + make_interval(days => (g % 9)::int)
       FROM (SELECT id, g, g % 5 >= 3 OR g % 11 = 0 AS fin
             FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS g FROM pairs WHERE project_id = $1) y) x
       WHERE p.id = x.id`,
      [projectId, OBJECTS, COLOURS],
    );
    // The same annotator labels in the other project too: the annotator filter must not bring those.
    const [otherPair] = await t.query<{ id: string }>(`SELECT id::text AS id FROM pairs WHERE project_id = $1 ORDER BY id LIMIT 1`, [other]);
    await t.query(
      `INSERT INTO labels (pair_id, project_id, annotator_id, decision, seconds_spent, submission_id)
       VALUES ($1, $2, $3, 'accept', 2, gen_random_uuid())`,
      [otherPair!.id, other, ann[0]],
    );
    await t.query(
      `INSERT INTO pair_verifier_outputs (pair_id, version, scores)
       SELECT id, 'v2', jsonb_build_object('overall', id % 7) FROM pairs WHERE project_id = $1 AND id % 4 = 0`,
      [projectId],
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  const ORDER: Record<TBrowseSort, string> = { newest: "pairs.id DESC", oldest: "pairs.id ASC", finalized: "finalized_at DESC, pairs.id DESC" };

  // Each filter beside the same question asked in SQL by hand ($1 is the project).
  const CASES: [string, TBrowseFilters, string, unknown[]][] = [
    ["no filter", {}, "true", []],
    ["one status", { status: ["final"] }, "status = 'final'", []],
    ["two statuses", { status: ["open", "in_review"] }, "status IN ('open', 'in_review')", []],
    ["decision", { decision: ["reject", "recaption"] }, "final_decision IN ('reject', 'recaption')", []],
    ["task and subtask", { task: "task1", subtask: "sub2" }, "task = 'task1' AND subtask = 'sub2'", []],
    ["gold only", { gold: "only" }, "is_gold", []],
    ["no gold", { gold: "exclude" }, "NOT is_gold", []],
    ["retired gold", { gold: "retired" }, "is_gold AND NOT gold_active", []],
    ["verifier drops or none", { verifier: ["drops", "none"] }, "(verifier_margin < 0 OR verifier_margin IS NULL)", []],
    ["score range on the active copy", { scoreKey: "overall", scoreMin: 3, scoreMax: 6 }, "(verifier_scores->>'overall')::float8 BETWEEN 3 AND 6", []],
    ["a non-numeric score never matches", { scoreKey: "note", scoreMin: 0 }, "false", []],
    ["version", { version: "v2" }, "EXISTS (SELECT 1 FROM pair_verifier_outputs o WHERE o.pair_id = pairs.id AND o.version = 'v2')", []],
    ["version score", { version: "v2", scoreKey: "overall", scoreMax: 2 },
      "EXISTS (SELECT 1 FROM pair_verifier_outputs o WHERE o.pair_id = pairs.id AND o.version = 'v2' AND (o.scores->>'overall')::int <= 2)", []],
    ["annotator", { annotator: -1 }, "EXISTS (SELECT 1 FROM labels b WHERE b.pair_id = pairs.id AND b.annotator_id = $2)", ["ann0"]],
    ["annotator with other filters", { annotator: -1, status: ["final"], gold: "exclude" },
      "EXISTS (SELECT 1 FROM labels b WHERE b.pair_id = pairs.id AND b.annotator_id = $2) AND status = 'final' AND NOT is_gold", ["ann0"]],
    ["annotator and search", { annotator: -1, q: "red" },
      "EXISTS (SELECT 1 FROM labels b WHERE b.pair_id = pairs.id AND b.annotator_id = $2) AND instruction LIKE '% red %'", ["ann0"]],
    ["created dates", { createdFrom: "2026-01-03", createdBefore: "2026-01-06" }, "created_at >= '2026-01-03' AND created_at < '2026-01-06'", []],
    ["finalised dates", { finalizedFrom: "2026-03-02" }, "finalized_at >= '2026-03-02'", []],
    ["search", { q: "purple dog" }, "instruction LIKE '%dog purple%'", []],
    ["search phrase or", { q: '"red please" or cat' }, "(instruction LIKE '%red please%' OR instruction LIKE '% cat %')", []],
    ["search with other filters", { q: "green", status: ["final"], gold: "exclude" }, "instruction LIKE '% green %' AND status = 'final' AND NOT is_gold", []],
    ["search and one status", { q: "purple car", status: ["final"] }, "instruction LIKE '%car purple%' AND status = 'final'", []],
    ["search and a finalised range", { q: "sky", finalizedBefore: "2026-03-02" }, "instruction LIKE '% sky %' AND finalized_at < '2026-03-02'", []],
  ];

  async function walk(filters: TBrowseFilters, sort: TBrowseSort, scanLimit?: number, searchProbe?: number): Promise<string[]> {
    const out: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 200; i++) {
      const page = await listPairs(t, projectId, filters, { sort, cursor, pageSize: 7, scanLimit, searchProbe });
      expect(page.rows.length).toBeLessThanOrEqual(7);
      out.push(...page.rows.map((r) => r.id));
      if (!page.nextCursor) return out;
      cursor = page.nextCursor;
    }
    throw new Error("paging did not end");
  }

  it.each(CASES)("%s: every sort's pages, large and small scan window, equal the SQL", async (_name, f, where, extra) => {
    const filters = f.annotator === -1 ? { ...f, annotator: ann[0] } : f;
    const params = extra.map((v) => (v === "ann0" ? ann[0] : v));
    for (const sort of BROWSE_SORTS) {
      const expected = (await t.query<{ id: string }>(
        `SELECT id::text AS id FROM pairs WHERE project_id = $1 AND (${where})${sort === "finalized" ? " AND finalized_at IS NOT NULL" : ""}
         ORDER BY ${ORDER[sort]}`,
        [projectId, ...params],
      )).map((r) => r.id);
      expect(await walk(filters, sort), `${sort}, one window`).toEqual(expected);
      expect(await walk(filters, sort, 9), `${sort}, windows of 9`).toEqual(expected);
      // A search that does not fill its page in a walk of 3 rows goes to the GIN index (up to 9 matches).
      if (filters.q) expect(await walk(filters, sort, 9, 3), `${sort}, search probe 3`).toEqual(expected);
      // A short walk of 4 with two matches or more goes straight to a window of 20.
      if (filters.q) expect(await walk(filters, sort, 20, 4), `${sort}, search probe 4, windows of 20`).toEqual(expected);
      // Fewer labelled pairs than the annotator has: windows stop and continue under the id sorts, and the
      // finalised sort, whose candidates no longer fit, falls back to the walk of its own index.
      if (filters.annotator !== undefined) expect(await walk(filters, sort, 4), `${sort}, windows of 4`).toEqual(expected);
    }
  });

  it("says how far a stopped page searched, and never shows another project's pairs", async () => {
    const page = await listPairs(t, projectId, { task: "task0", subtask: "sub3" }, { scanLimit: 5, pageSize: 50 });
    expect(page.searched).toBe(5);
    expect(page.nextCursor).not.toBeNull();
    const all = await walk({}, "newest");
    const others = (await t.query<{ id: string }>(`SELECT id::text AS id FROM pairs WHERE project_id = $1`, [other])).map((r) => r.id);
    expect(all.some((id) => others.includes(id))).toBe(false);
    await expect(listPairs(t, projectId, {}, { cursor: "bm90LWpzb24" })).rejects.toThrow(InvalidError);
  });

  it("walks the annotator's labelled pairs, not every pair, under the id sorts", async () => {
    const labelled = (await t.query<{ id: string }>(
      `SELECT pair_id::text AS id FROM labels WHERE annotator_id = $1 AND project_id = $2 ORDER BY pair_id DESC`, [ann[0], projectId])).map((r) => r.id);
    expect(labelled.length).toBeGreaterThan(4);
    // A window of 4 looks at 4 of the annotator's labels, so all 4 match, and the next page goes on from the 4th.
    const first = await listPairs(t, projectId, { annotator: ann[0] }, { sort: "newest", pageSize: 50, scanLimit: 4 });
    expect(first.searched).toBe(4);
    expect(first.searchedLabelled).toBe(true);
    expect(first.rows.map((r) => r.id)).toEqual(labelled.slice(0, 4));
    const second = await listPairs(t, projectId, { annotator: ann[0] }, { sort: "newest", pageSize: 50, scanLimit: 4, cursor: first.nextCursor! });
    expect(second.rows.map((r) => r.id)).toEqual(labelled.slice(4, 8));
    const oldest = await listPairs(t, projectId, { annotator: ann[0] }, { sort: "oldest", pageSize: 3, scanLimit: 4 });
    expect(oldest.rows.map((r) => r.id)).toEqual(labelled.toReversed().slice(0, 3));
    expect(oldest.searched).toBeNull();
  });

  it("sends a final pair to review and reopens another, with audit rows and the pair's page showing both", async () => {
    const [fin] = await t.query<{ id: string }>(`SELECT id::text AS id FROM pairs WHERE project_id = $1 AND status = 'final' AND NOT is_gold ORDER BY id LIMIT 1`, [projectId]);
    await sendPairToReview(t, admin, projectId, BigInt(fin!.id));
    await expect(sendPairToReview(t, admin, projectId, BigInt(fin!.id))).rejects.toThrow(ConflictError);
    await expect(sendPairToReview(t, admin, other, BigInt(fin!.id))).rejects.toThrow("Pair not found in this project.");
    let d = await getPairDetail(t, projectId, BigInt(fin!.id));
    expect(d.status).toBe("in_review");
    expect(d.final).toBeNull();
    await reopenPair(t, admin, projectId, BigInt(fin!.id));
    d = await getPairDetail(t, projectId, BigInt(fin!.id));
    expect(d.status).toBe("open");
    expect(d.wanted).toBe(2);
    expect(d.audit.map((a) => a.action)).toEqual(["pair.reopen", "pair.send_to_review"]);
    const [gold] = await t.query<{ id: string }>(`SELECT id::text AS id FROM pairs WHERE project_id = $1 AND is_gold LIMIT 1`, [projectId]);
    await expect(reopenPair(t, admin, projectId, BigInt(gold!.id))).rejects.toThrow(ConflictError);
  });

  it("bulk: counts what each action would change, refuses a changed count, then applies it to every match", async () => {
    const retireFilter: TBrowseFilters = { gold: "only", task: "task0" };
    const [{ n: activeGold }] = (await t.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pairs WHERE project_id = $1 AND is_gold AND gold_active AND task = 'task0'`, [projectId])) as [{ n: number }];
    expect(activeGold).toBeGreaterThan(0);
    expect(await countBulk(t, projectId, "retire-gold", retireFilter)).toEqual({ count: activeGold, limit: 1000 });
    await expect(runBulk(t, admin, projectId, { action: "retire-gold", filters: retireFilter, expected: activeGold + 1 })).rejects.toThrow(ConflictError);
    expect(await runBulk(t, admin, projectId, { action: "retire-gold", filters: retireFilter, expected: activeGold })).toEqual({ changed: activeGold });
    expect((await countBulk(t, projectId, "retire-gold", retireFilter)).count).toBe(0);

    const reviewFilter: TBrowseFilters = { task: "task2", status: ["final"] };
    const expected = (await t.query<{ id: string }>(
      `SELECT id::text AS id FROM pairs WHERE project_id = $1 AND task = 'task2' AND status = 'final' AND NOT is_gold ORDER BY id`, [projectId])).map((r) => r.id);
    const { count } = await countBulk(t, projectId, "review", reviewFilter);
    expect(count).toBe(expected.length);
    expect((await runBulk(t, admin, projectId, { action: "review", filters: reviewFilter, expected: count })).changed).toBe(expected.length);
    expect(await walk({ status: ["in_review"], task: "task2" }, "oldest")).toEqual(expect.arrayContaining(expected));
    const audited = await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'pair.send_to_review' AND subject_id = ANY($1::text[])`, [expected]);
    expect(audited[0]!.n).toBe(expected.length);

    await expect(countBulk(t, projectId, "export", { q: "dog" })).rejects.toThrow("An export cannot filter on the instruction search");
    const exp = await runBulk(t, admin, projectId, { action: "export", filters: { decision: ["accept"], task: "task1" } });
    const [row] = await t.query<{ filters: unknown }>(`SELECT filters FROM exports WHERE id = $1`, [exp.exportId]);
    expect(row!.filters).toEqual({ decisions: ["accept"], tasks: ["task1"] });
  });
});
