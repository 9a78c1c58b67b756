import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { parseReasons } from "@/lib/projects/reasons";
import { foldKept } from "@/lib/quality/kept";
import { GOLD_FLAG_MIN_CHECKS, promotePair, setGoldActive, updateGold } from "@/lib/quality/gold";
import { claimNextPair } from "@/lib/queue/claim";
import { skipPair, submitLabel, undoLastLabel } from "@/lib/queue/submit";
import { countExportPairs } from "@/lib/exports/service";
import { adjudicatePair } from "@/lib/review/service";
import { engines, freshDatabase, type TestDatabase } from "../support/db";
import { makeProject, makeUsers } from "../support/fixtures";

// Every kept figure (lib/quality/sql/aggregates.sql, folded by lib/quality/kept.ts) equals a recount from
// the labels, pairs and audit rows after a random history driven through the service functions: labels,
// undos (re-opening settled pairs), skips, adjudications and re-adjudications, gold promotion, edits and
// retirement, batch inserts as an import writes them (gold among them), verifier scores changed (as a new
// active version's output changes them), and folds at random points.

const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1);
const ANNOTATORS = 4;
const DECISIONS = ["accept", "reject", "recaption"] as const;
const TASKS = [["object", "addition"], ["object", "removal"], ["style", null], [null, null]] as const;

type TOp =
  | { kind: "label"; who: number; decision: (typeof DECISIONS)[number]; reasons: number; text: number }
  | { kind: "undo"; who: number }
  | { kind: "skip"; who: number }
  | { kind: "adjudicate"; pick: number; decision: (typeof DECISIONS)[number] }
  | { kind: "promote"; pick: number }
  | { kind: "goldActive"; pick: number; active: boolean }
  | { kind: "goldEdit"; pick: number; decision: (typeof DECISIONS)[number] }
  | { kind: "import"; n: number; gold: boolean; task: number }
  | { kind: "rescore"; pick: number; score: number; valid: number }
  | { kind: "fold" };

const who = fc.integer({ min: 0, max: ANNOTATORS - 1 });
const decision = fc.constantFrom(...DECISIONS);
const pick = fc.nat(1000);
const op: fc.Arbitrary<TOp> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant("label" as const), who, decision, reasons: fc.integer({ min: 1, max: 7 }), text: fc.nat(3) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("undo" as const), who }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("skip" as const), who }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("adjudicate" as const), pick, decision }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("promote" as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("goldActive" as const), pick, active: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("goldEdit" as const), pick, decision }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("import" as const), n: fc.integer({ min: 1, max: 4 }), gold: fc.boolean(), task: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("rescore" as const), pick, score: fc.integer({ min: -40, max: 40 }), valid: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("fold" as const) }) },
);

/** Rows as sorted JSON lines, counts as numbers, zero rows dropped: kept and recounted compare as sets. */
function canon(rows: Record<string, unknown>[]): string[] {
  return rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "bigint" || (typeof v === "string" && /^-?\d+$/.test(v) && k === "n") ? Number(v) : v])))).sort();
}

const KEPT_VS_RECOUNT: { name: string; kept: string; recount: string }[] = [
  {
    name: "annotator totals",
    kept: `SELECT annotator_id, sum(labels)::int AS labels, sum(open_labels)::int AS open_labels, sum(final_labels)::int AS final_labels,
                  sum(agreeing)::int AS agreeing, sum(gold_checks)::int AS gold_checks, sum(gold_correct)::int AS gold_correct
           FROM (SELECT * FROM annotator_totals UNION ALL SELECT * FROM annotator_totals_delta) k WHERE project_id = $1
           GROUP BY annotator_id HAVING sum(labels) <> 0 OR sum(open_labels) <> 0 OR sum(final_labels) <> 0 OR sum(gold_checks) <> 0`,
    recount: `SELECT b.annotator_id, count(*)::int AS labels,
                     count(*) FILTER (WHERE p.status IN ('open', 'labelled'))::int AS open_labels,
                     count(*) FILTER (WHERE p.status = 'final' AND NOT p.is_gold)::int AS final_labels,
                     count(*) FILTER (WHERE p.status = 'final' AND NOT p.is_gold AND b.decision = p.final_decision)::int AS agreeing,
                     count(*) FILTER (WHERE b.gold_correct IS NOT NULL AND p.gold_active)::int AS gold_checks,
                     count(*) FILTER (WHERE b.gold_correct AND p.gold_active)::int AS gold_correct
              FROM labels b JOIN pairs p ON p.id = b.pair_id WHERE b.project_id = $1 GROUP BY b.annotator_id`,
  },
  {
    name: "label hours",
    kept: `SELECT annotator_id, to_char(hour, 'YYYY-MM-DD HH24') AS hour, sum(labels)::int AS labels
           FROM (SELECT * FROM label_hours UNION ALL SELECT * FROM label_hours_delta) k WHERE project_id = $1 GROUP BY 1, 2 HAVING sum(labels) <> 0`,
    recount: `SELECT annotator_id, to_char(date_trunc('hour', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD HH24') AS hour, count(*)::int AS labels
              FROM labels WHERE project_id = $1 GROUP BY 1, 2`,
  },
  {
    name: "adjudications per day",
    kept: `SELECT to_char(day, 'YYYY-MM-DD') AS day, sum(adjudications)::int AS adjudications
           FROM (SELECT * FROM quality_days UNION ALL SELECT * FROM quality_days_delta) k WHERE project_id = $1 GROUP BY 1 HAVING sum(adjudications) <> 0`,
    recount: `SELECT to_char((e.created_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, count(*)::int AS adjudications
              FROM audit_events e JOIN pairs p ON p.id = e.subject_id::bigint
              WHERE e.action = 'review.adjudicate' AND e.subject_type = 'pair' AND p.project_id = $1 GROUP BY 1`,
  },
  {
    name: "agreement compositions",
    kept: `SELECT task, subtask, x, y, z, sets, sum(units)::int AS units
           FROM (SELECT project_id, task, subtask, x, y, z, sets, units FROM agreement_shapes
                 UNION ALL SELECT project_id, task, subtask, x, y, z, sets, units FROM agreement_shapes_delta) k
           WHERE project_id = $1 GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(units) <> 0`,
    recount: `SELECT p.task, p.subtask, c.x, c.y, c.z, c.sets, count(*)::int AS units FROM (
                SELECT pair_id, count(*) FILTER (WHERE decision = 'accept')::int AS x, count(*) FILTER (WHERE decision = 'reject')::int AS y,
                       count(*) FILTER (WHERE decision = 'recaption')::int AS z,
                       coalesce(array_agg(rs ORDER BY rs) FILTER (WHERE rs IS NOT NULL), '{}') AS sets
                FROM (SELECT pair_id, decision, CASE WHEN cardinality(reasons) > 0
                        THEN array_to_string(ARRAY(SELECT r FROM unnest(reasons) r ORDER BY r), chr(31)) END AS rs FROM labels) l
                GROUP BY pair_id) c JOIN pairs p ON p.id = c.pair_id
              WHERE p.project_id = $1 GROUP BY 1, 2, 3, 4, 5, 6`,
  },
  {
    name: "contingency cells",
    kept: `SELECT a_id, b_id, da::text, db::text, sum(n)::int AS n
           FROM (SELECT * FROM agreement_cells UNION ALL SELECT * FROM agreement_cells_delta) k
           WHERE project_id = $1 GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0`,
    recount: `SELECT a.annotator_id AS a_id, b.annotator_id AS b_id, a.decision::text AS da, b.decision::text AS db, count(*)::int AS n
              FROM labels a JOIN labels b ON b.pair_id = a.pair_id AND b.annotator_id > a.annotator_id
              WHERE a.project_id = $1 GROUP BY 1, 2, 3, 4`,
  },
  {
    name: "pair tallies",
    kept: `SELECT status::text, task, subtask, final_decision::text, is_gold, gold_active, review_reasons, sum(pairs)::int AS pairs
           FROM (SELECT project_id, status, task, subtask, final_decision, is_gold, gold_active, review_reasons, pairs FROM pair_tallies
                 UNION ALL SELECT project_id, status, task, subtask, final_decision, is_gold, gold_active, review_reasons, pairs FROM pair_tallies_delta) k
           WHERE project_id = $1 GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(pairs) <> 0`,
    recount: `SELECT status::text, task, subtask, final_decision::text, is_gold, gold_active, review_reasons, count(*)::int AS pairs
              FROM pairs WHERE project_id = $1 AND status IN ('in_review', 'final') GROUP BY 1, 2, 3, 4, 5, 6, 7`,
  },
  {
    name: "gold summary",
    kept: `SELECT sum(checks)::int AS checks, sum(correct)::int AS correct, sum(suspect)::int AS suspect
           FROM (SELECT project_id, checks, correct, suspect FROM gold_summary UNION ALL SELECT project_id, checks, correct, suspect FROM gold_summary_delta) k
           WHERE project_id = $1 HAVING sum(checks) <> 0 OR sum(suspect) <> 0`,
    // The Gold page's suspect rule, as lib/quality/gold.ts states it.
    recount: `SELECT sum(checks)::int AS checks, sum(correct)::int AS correct,
                     (count(*) FILTER (WHERE checks >= ${GOLD_FLAG_MIN_CHECKS} AND correct * 2 < checks))::int AS suspect
              FROM (SELECT pair_id, count(*)::int AS checks, (count(*) FILTER (WHERE gold_correct))::int AS correct
                    FROM labels WHERE project_id = $1 AND gold_correct IS NOT NULL GROUP BY pair_id) g HAVING count(*) > 0`,
  },
  {
    name: "calibration scopes",
    kept: `SELECT task, subtask, is_gold, valid, keep, accepted, sum(pairs)::int AS pairs
           FROM (SELECT project_id, task, subtask, is_gold, valid, keep, accepted, pairs FROM calibration_scopes
                 UNION ALL SELECT project_id, task, subtask, is_gold, valid, keep, accepted, pairs FROM calibration_scopes_delta) k
           WHERE project_id = $1 GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(pairs) <> 0`,
    recount: `SELECT task, subtask, is_gold, verifier_valid AS valid, verifier_margin >= 0 AS keep, final_decision = 'accept' AS accepted, count(*)::int AS pairs
              FROM pairs WHERE project_id = $1 AND status = 'final' GROUP BY 1, 2, 3, 4, 5, 6`,
  },
  {
    // A bin's count is exact; its lo and hi are the extremes it has held (checked below, and equal after a recount).
    name: "calibration bins",
    kept: `SELECT task, subtask, is_gold, accepted, key, bin, sum(pairs)::int AS pairs
           FROM (SELECT project_id, task, subtask, is_gold, accepted, key, bin, pairs FROM calibration_bins
                 UNION ALL SELECT project_id, task, subtask, is_gold, accepted, key, bin, pairs FROM calibration_bins_delta) k
           WHERE project_id = $1 GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(pairs) <> 0`,
    recount: BINS_RECOUNT("count(*)::int AS pairs"),
  },
];

/** Final pairs by numeric score bin, from the pairs (the calibration page's former full scan). */
function BINS_RECOUNT(figures: string): string {
  return `SELECT task, subtask, is_gold, accepted, key, bin, ${figures}
          FROM (SELECT p.task, p.subtask, p.is_gold, p.final_decision = 'accept' AS accepted, e.key,
                       loupe_score_bin((p.verifier_scores->>e.key)::float8) AS bin, (p.verifier_scores->>e.key)::float8 AS s
                FROM pairs p CROSS JOIN LATERAL jsonb_each(p.verifier_scores) e
                WHERE p.project_id = $1 AND p.status = 'final' AND jsonb_typeof(p.verifier_scores) = 'object' AND jsonb_typeof(e.value) = 'number') f
          GROUP BY 1, 2, 3, 4, 5, 6`;
}

describe.each(engines())("kept figures equal a recount after a random history ($engine)", ({ engine }) => {
  let t: TestDatabase;
  let users: number[];
  let admin: number;
  beforeAll(async () => {
    t = await freshDatabase(engine);
    users = await makeUsers(t, ANNOTATORS, "recount");
    admin = (await makeUsers(t, 1, "recount-admin"))[0]!;
    await t.prisma.user.update({ where: { id: admin! }, data: { role: "admin" } });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Pairs of the project in a state, by id: `pick` chooses among them (null when there are none). */
  async function pickPair(projectId: number, where: string, n: number): Promise<bigint | null> {
    const rows = await t.query<{ id: string }>(`SELECT id::text FROM pairs WHERE project_id = $1 AND ${where} ORDER BY id`, [projectId]);
    return rows.length === 0 ? null : BigInt(rows[n % rows.length]!.id);
  }

  /** A refusal the service answers with a typed error is part of the history, not a failure. */
  async function tolerate(run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
    }
  }

  async function apply(projectId: number, codes: string[], o: TOp, imported: { n: number }): Promise<void> {
    switch (o.kind) {
      case "label": {
        const userId = users[o.who]!;
        await tolerate(async () => {
          const pair = await claimNextPair(t, { projectId, userId });
          if (!pair) return;
          const reasons = codes.filter((_, i) => (o.reasons >> i) & 1).slice(0, 3);
          await submitLabel(t, userId, {
            pairId: BigInt(pair.id), submissionId: randomUUID(), decision: o.decision,
            reasons: o.decision === "reject" ? (reasons.length > 0 ? reasons : [codes[0]!]) : [],
            recaption: o.decision === "recaption" ? ["a red cube", "a red cube on top", "a blue sphere", "nothing"][o.text] : undefined,
            secondsSpent: 3,
          });
        });
        return;
      }
      case "undo":
        return tolerate(() => undoLastLabel(t, users[o.who]!, projectId));
      case "skip":
        return tolerate(async () => {
          const pair = await claimNextPair(t, { projectId, userId: users[o.who]! });
          if (pair) await skipPair(t, users[o.who]!, BigInt(pair.id));
        });
      case "adjudicate": {
        const id = await pickPair(projectId, "status IN ('in_review', 'final') AND NOT is_gold", o.pick);
        if (id === null) return;
        return tolerate(() => adjudicatePair(t, { id: admin, role: "admin" }, id, {
          submissionId: randomUUID(), decision: o.decision,
          reasons: o.decision === "reject" ? [codes[1]!] : [],
          instruction: o.decision === "recaption" ? "a green cone" : undefined,
        } as Parameters<typeof adjudicatePair>[3]));
      }
      case "promote": {
        const id = await pickPair(projectId, "status = 'final' AND NOT is_gold", o.pick);
        if (id !== null) await tolerate(() => promotePair(t, admin, projectId, id));
        return;
      }
      case "goldActive": {
        const id = await pickPair(projectId, "is_gold", o.pick);
        if (id !== null) await tolerate(() => setGoldActive(t, admin, id, o.active));
        return;
      }
      case "goldEdit": {
        const id = await pickPair(projectId, "is_gold", o.pick);
        if (id === null) return;
        return tolerate(() => updateGold(t, admin, id, {
          decision: o.decision, reasons: o.decision === "reject" ? [codes[0]!] : [],
          instruction: o.decision === "recaption" ? "a red cube" : undefined,
        } as Parameters<typeof updateGold>[3]));
      }
      case "import": {
        // One multi-row INSERT, as an import batch writes pairs (gold ones final from the start).
        const [task, subtask] = TASKS[o.task]!;
        const rows = Array.from({ length: o.n }, () => imported.n++);
        await t.query(
          `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, task, subtask, wanted,
                              is_gold, gold_active, gold_decision, status, final_decision, final_source, finalized_at)
           SELECT $1, 'imp-' || i, repeat('a', 64), repeat('a', 64), 'a red cube', $2, $3, p.overlap,
                  $4, $4, CASE WHEN $4 THEN 'accept'::"Decision" END, CASE WHEN $4 THEN 'final' ELSE 'open' END::"PairStatus",
                  CASE WHEN $4 THEN 'accept'::"Decision" END, CASE WHEN $4 THEN 'gold' END, CASE WHEN $4 THEN now() END
           FROM unnest($5::int[]) i, projects p WHERE p.id = $1`,
          [projectId, task, subtask, o.gold, rows],
        );
        return;
      }
      case "rescore": {
        // A pair's scores and valid flag change (a new active verifier version's output): its keep verdict
        // (the margin the pairs trigger recomputes) and its bins move, final or not.
        const id = await pickPair(projectId, "true", o.pick);
        if (id === null) return;
        await t.query(`UPDATE pairs SET verifier_scores = jsonb_build_object('overall', $2::float8 / 4, 'quality', ($2::int % 3) + 1, 'note', 'x'),
                                        verifier_valid = (ARRAY[true, false, NULL])[$3::int + 1] WHERE id = $1`, [id, o.score, o.valid]);
        return;
      }
      case "fold":
        await foldKept(t);
        return;
    }
  }

  async function compare(projectId: number, exactExtremes = false): Promise<void> {
    for (const f of KEPT_VS_RECOUNT) {
      const [kept, recount] = [await t.query<Record<string, unknown>>(f.kept, [projectId]), await t.query<Record<string, unknown>>(f.recount, [projectId])];
      expect(canon(kept), f.name).toEqual(canon(recount));
    }
    // Each bin's kept lo and hi lie in the bin and around every score it holds now, so lo is an exact threshold.
    const extremes = await t.query<{ bad: number; n: number }>(
      `WITH k AS (SELECT task, subtask, is_gold, accepted, key, bin, min(lo) AS lo, max(hi) AS hi, sum(pairs) AS pairs
                  FROM (SELECT task, subtask, is_gold, accepted, key, bin, lo, hi, pairs FROM calibration_bins WHERE project_id = $1
                        UNION ALL SELECT task, subtask, is_gold, accepted, key, bin, lo, hi, pairs FROM calibration_bins_delta WHERE project_id = $1) x
                  GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(pairs) <> 0),
            r AS (${BINS_RECOUNT("min(s) AS lo, max(s) AS hi")})
       SELECT count(*) FILTER (WHERE NOT (loupe_score_bin(k.lo) = k.bin AND loupe_score_bin(k.hi) = k.bin AND k.lo <= r.lo AND k.hi >= r.hi
                                          AND (NOT $2::boolean OR (k.lo = r.lo AND k.hi = r.hi))))::int AS bad,
              count(*)::int AS n
       FROM k JOIN r ON (k.task, k.subtask, k.is_gold, k.accepted, k.key, k.bin) IS NOT DISTINCT FROM (r.task, r.subtask, r.is_gold, r.accepted, r.key, r.bin)`,
      [projectId, exactExtremes],
    );
    expect(extremes[0]!.bad, "calibration bins' lo and hi").toBe(0);
    // The export form's count comes from the same tallies: exact for decisions, tasks and gold; a bound
    // (then counted on request) for what they cannot split.
    const count = async (where: string) =>
      (await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM pairs WHERE project_id = $1 AND final_decision IS NOT NULL AND ${where}`, [projectId]))[0]!.n;
    expect(await countExportPairs(t, projectId, { decisions: ["accept", "reject"], gold: "exclude", tasks: ["object"] }))
      .toEqual({ pairs: await count(`final_decision IN ('accept', 'reject') AND NOT is_gold AND task = 'object'`), exact: true });
    const bound = await countExportPairs(t, projectId, { adjudicatedOnly: true });
    expect(bound).toEqual({ pairs: await count("true"), exact: false });
    expect(await countExportPairs(t, projectId, { adjudicatedOnly: true }, true)).toEqual({ pairs: await count(`final_source = 'review'`), exact: true });
  }

  it("after each random history, and again after a fold", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 3 }), fc.array(op, { minLength: 130, maxLength: 130 }), async (overlap, ops) => {
        const project = await makeProject(t, { pairs: 12, overlap, name: `recount-${engine}-${run++}` });
        await t.query(`UPDATE projects SET gold_rate = 0.2, gold_min_count = 3 WHERE id = $1`, [project.id]);
        // Pairs in several tasks and subtasks (and none), so the compositions split by scope.
        await t.query(`UPDATE pairs SET task = (ARRAY['object', 'style', NULL])[1 + id % 3], subtask = (ARRAY['addition', NULL])[1 + id % 2]
                       WHERE project_id = $1`, [project.id]);
        // Verifier scores on every pair (numeric and not), so calibration's scopes and bins have something to keep.
        await t.query(`UPDATE pairs SET verifier_scores = jsonb_build_object('overall', (id % 9)::float8 / 4 - 1, 'quality', id % 3 + 1, 'note', 'x'),
                                        verifier_valid = (ARRAY[true, false, NULL])[1 + id % 3] WHERE project_id = $1`, [project.id]);
        const codes = parseReasons(project.rejectReasons).map((r) => r.code);
        const imported = { n: 0 };
        for (const o of ops) await apply(project.id, codes, o, imported);
        await compare(project.id);
        await foldKept(t);
        await compare(project.id);
        // Rebuilt from scratch (what the page bench runs after seeding with the triggers off): the same figures.
        await t.query("SELECT loupe_recount_aggregates($1)", [project.id]);
        await t.query("SELECT loupe_recount_calibration($1)", [project.id]);
        await compare(project.id, true);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    // The history did reach the states the figures follow.
    const [seen] = await t.query<{ final: number; review: number; gold: number; labels: number }>(
      `SELECT count(*) FILTER (WHERE status = 'final' AND NOT is_gold)::int AS final, count(*) FILTER (WHERE status = 'in_review')::int AS review,
              count(*) FILTER (WHERE is_gold)::int AS gold, (SELECT count(*)::int FROM labels) AS labels FROM pairs`);
    const actions = Object.fromEntries((await t.query<{ action: string; n: number }>(
      `SELECT action, count(*)::int AS n FROM audit_events GROUP BY action`)).map((r) => [r.action, r.n]));
    // (Pairs were final: gold.promote and review.adjudicate below need one. Whether any is still final at
    // the end depends on the claim order, which differs between databases.)
    expect(seen!.labels).toBeGreaterThan(20);
    expect(seen!.gold).toBeGreaterThan(0);
    for (const action of ["label.undo", "review.adjudicate", "gold.promote", "gold.update"]) expect(actions[action], action).toBeGreaterThan(0);
  });
});
