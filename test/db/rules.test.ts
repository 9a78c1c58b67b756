import { DEFAULT_VERIFIER_SCALES, verifierMargin } from "@/lib/quality/scales";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mapRecord } from "@/lib/imports/mapping";
import type { TMapping } from "@/lib/imports/types";
import { VERIFIER_RULES } from "@/lib/quality/settings-schema";
import { getStandings } from "@/lib/quality/standings";
import { explainRouting, majorityDecision, verdictBasis } from "@/lib/review/explain";
import type { TDecision, TVerdict, TVerifierSignals } from "@/lib/review/types";
import { MAX_ATTEMPTS } from "@/lib/webhooks/policy";
import { textDistance } from "@/scripts/demo/history";
import { engines, freshDatabase, type TestDatabase } from "@/test/support/db";

// One rule, one truth: where TypeScript restates a rule the database enforces, both run over the
// same inputs here, edge cases included, and must agree. (The split hash has its own such test in
// export.test.ts; the queue keys' settings are checked in lib/queue/order.test.ts.)

const HASH = "0".repeat(64);
const DECISIONS: TDecision[] = ["accept", "reject", "recaption"];

/** Every multiset of `n` decisions, in a stable order. */
function multisets(n: number, from = 0): TDecision[][] {
  if (n === 0) return [[]];
  return DECISIONS.slice(from).flatMap((d, i) => multisets(n - 1, from + i).map((rest) => [d, ...rest]));
}

describe.each(engines())("TypeScript and the database agree ($engine)", ({ engine }) => {
  let t: TestDatabase;
  let project: number;

  beforeAll(async () => {
    t = await freshDatabase(engine);
    const [p] = await t.query<{ id: number }>(
      `INSERT INTO projects (name, overlap, reject_reasons) VALUES ('rules', 1, '[]') RETURNING id`,
    );
    project = p!.id;
  });

  afterAll(async () => {
    await t?.close();
  });

  it("verdict basis: the signal verdictBasis names is the one loupe_verifier_verdict reads", async () => {
    const scores: ([number, number, number] | [null, null, null] | [number, number, null])[] = [
      [null, null, null], [3, 2, 2], [2, 2, 2], [3, 1, 3], [3, 3, 1], [1, 1, 1], [3, 3, 3], [3, 3, null],
    ];
    const mins: [number, number, number][] = [[3, 2, 2], [1, 1, 1], [3, 3, 3]];
    const grid = VERIFIER_RULES.flatMap((rule) =>
      [true, false, null].flatMap((valid) =>
        scores.flatMap(([sIf, sEc, sGq]) => mins.map(([minIf, minEc, minGq]) => ({ rule, valid, sIf, sEc, sGq, minIf, minEc, minGq }))),
      ),
    );
    const rows = await t.query<{ i: number; verdict: boolean | null; by_scores: boolean | null }>(
      `SELECT x.i,
              loupe_verifier_verdict(x.rule, x.valid, m.margin) AS verdict,
              loupe_verifier_verdict('scores', x.valid, m.margin) AS by_scores
       FROM jsonb_to_recordset($1::jsonb) AS x(i int, rule text, valid boolean, s_if smallint, s_ec smallint, s_gq smallint,
                                               min_if smallint, min_ec smallint, min_gq smallint),
            -- The ScaleEdit declaration with these thresholds, and the scores as a pair keeps them.
            LATERAL (SELECT loupe_verifier_margin(
              jsonb_strip_nulls(jsonb_build_object('if', x.s_if, 'ec', x.s_ec, 'gq', x.s_gq)),
              jsonb_build_array(
                jsonb_build_object('key', 'if', 'min', 1, 'max', 3, 'higherIsBetter', true, 'keep', x.min_if),
                jsonb_build_object('key', 'ec', 'min', 1, 'max', 3, 'higherIsBetter', true, 'keep', x.min_ec),
                jsonb_build_object('key', 'gq', 'min', 1, 'max', 3, 'higherIsBetter', true, 'keep', x.min_gq))) AS margin) m
       ORDER BY x.i`,
      [JSON.stringify(grid.map((g, i) => ({ i, rule: g.rule, valid: g.valid, s_if: g.sIf, s_ec: g.sEc, s_gq: g.sGq, min_if: g.minIf, min_ec: g.minEc, min_gq: g.minGq })))],
    );
    expect(rows).toHaveLength(grid.length);
    const seen = new Set<string>();
    for (const r of rows) {
      const g = grid[r.i]!;
      const basis = verdictBasis(g.rule, g.valid);
      const expected = basis === null ? null : basis === "flag" ? g.valid : r.by_scores;
      expect(r.verdict, JSON.stringify({ ...g, basis })).toBe(expected);
      seen.add(`${basis}:${r.verdict}`);
    }
    // The grid reaches every basis with every answer it can give.
    expect([...seen].sort()).toEqual(["flag:false", "flag:null", "flag:true", "null:null", "scores:false", "scores:null", "scores:true"]);
  });

  it("routing: the majority the review page names is the one loupe_settle_pair routed by", async () => {
    const annotators = await t.query<{ id: number }>(
      `INSERT INTO users (email, name, password_hash) SELECT 'rules' || g || '@test.local', 'R' || g, 'x' FROM generate_series(1, 4) g RETURNING id`,
    );
    const cases = [1, 2, 3, 4].flatMap((n) => multisets(n)).flatMap((decisions) =>
      [true, false, null].map((valid) => ({ decisions, valid })),
    );
    let routedByVerifier = 0;
    let tiesWithVerdict = 0;
    for (const [k, c] of cases.entries()) {
      const [pair] = await t.query<{ id: string }>(
        `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, wanted, verifier_valid)
         VALUES ($1, $2, $3, $3, 'Add a kite', $4, $5) RETURNING id::text`,
        [project, `route-${k}`, HASH, c.decisions.length, c.valid],
      );
      for (const [j, decision] of c.decisions.entries()) {
        await t.query(
          `INSERT INTO labels (pair_id, project_id, annotator_id, decision, reasons, recaption, seconds_spent, submission_id)
           VALUES ($1, $2, $3, $4::"Decision", $5::text[], $6, 3, $7)`,
          [pair!.id, project, annotators[j]!.id, decision, decision === "reject" ? ["other"] : [], decision === "recaption" ? "Add a red kite" : null, randomUUID()],
        );
      }
      const [settled] = await t.query<{ status: string; final_decision: TDecision | null; review_reasons: string[]; verdict: boolean | null }>(
        `SELECT p.status::text, p.final_decision::text, p.review_reasons,
                loupe_verifier_verdict(pr.verifier_rule, p.verifier_valid, p.verifier_margin) AS verdict
         FROM pairs p JOIN projects pr ON pr.id = p.project_id WHERE p.id = $1`,
        [pair!.id],
      );
      const labels = c.decisions.map((decision) => ({ decision }));
      const majority = majorityDecision(labels);
      const label = JSON.stringify({ ...c, settled, majority });
      const byVerifier = majority !== null && settled!.verdict !== null && (majority === "accept") !== settled!.verdict;
      expect(settled!.review_reasons.includes("verifier"), label).toBe(byVerifier);
      if (settled!.status === "final") expect(settled!.final_decision, label).toBe(majority);
      else expect(settled!.status, label).toBe("in_review");
      if (majority === null && settled!.verdict !== null) tiesWithVerdict++;

      const verdict: TVerdict = { valid: settled!.verdict, basis: verdictBasis("auto", c.valid), rule: "auto",
        keep: [{ short: "IF", higherIsBetter: true, keep: 3 }, { short: "EC", higherIsBetter: true, keep: 2 }, { short: "GQ", higherIsBetter: true, keep: 2 }] };
      const signals: TVerifierSignals = { valid: c.valid, failureClass: null, recaption: null, scores: [], modelVersion: null };
      const words = explainRouting({
        reasons: settled!.review_reasons as ("decision" | "recaption" | "verifier")[],
        labels,
        recaptionSpread: null,
        recaptionThreshold: 0.35,
        verdict,
        verifier: signals,
      });
      for (const w of words) {
        if (w.reason === "verifier") {
          routedByVerifier++;
          expect(w.text, label).toContain(`; the majority `);
        }
        if (w.reason === "decision") expect(w.text, label).toContain(", ");
      }
    }
    expect(routedByVerifier).toBeGreaterThan(10);
    expect(tiesWithVerdict).toBeGreaterThan(5);
  });

  it("pause rule: under the threshold pauses, exactly at it does not; the standings page says what the trigger does", async () => {
    // [threshold, checks, correct]: accuracy exactly at the threshold, whose REAL value lies above or
    // below the decimal, and either side of it.
    const cases: [number, number, number][] = [[0.8, 5, 4], [0.7, 10, 7], [0.85, 20, 17], [0.6, 5, 3], [0.75, 4, 3], [0.8, 5, 3], [0.8, 5, 5]];
    const seen = new Set<boolean>();
    for (const [k, [threshold, checks, correct]] of cases.entries()) {
      const [p] = await t.query<{ id: number }>(
        `INSERT INTO projects (name, reject_reasons, gold_min_count, gold_accuracy_threshold) VALUES ($1, '[]', $2, $3) RETURNING id`,
        [`pause-${k}`, checks, threshold],
      );
      const [u] = await t.query<{ id: number }>(
        `INSERT INTO users (email, name, password_hash) VALUES ($1, 'P', 'x') RETURNING id`,
        [`pause-${k}@test.local`],
      );
      const gold = await t.query<{ id: string }>(
        `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, is_gold, gold_active, gold_decision,
                            status, final_decision, final_source)
         SELECT $1, 'gold-' || g, $2, $2, 'Add a kite', true, true, 'accept', 'final', 'accept', 'gold' FROM generate_series(1, $3::int) g
         RETURNING id::text`,
        [p!.id, HASH, checks],
      );
      for (const [j, pair] of gold.entries()) {
        const right = j < correct;
        await t.query(
          `INSERT INTO labels (pair_id, project_id, annotator_id, decision, reasons, seconds_spent, submission_id)
           VALUES ($1, $2, $3, $4::"Decision", $5::text[], 3, $6)`,
          [pair.id, p!.id, u!.id, right ? "accept" : "reject", right ? [] : ["other"], randomUUID()],
        );
      }
      const [paused] = await t.query<{ paused: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM project_annotators WHERE project_id = $1 AND user_id = $2 AND paused_at IS NOT NULL) AS paused`,
        [p!.id, u!.id],
      );
      const standing = (await getStandings(t, p!.id)).annotators.find((a) => a.userId === u!.id)!;
      expect(paused!.paused, JSON.stringify({ threshold, checks, correct })).toBe(correct / checks < threshold);
      expect(standing.ruleApplies, JSON.stringify({ threshold, checks, correct, paused: paused!.paused })).toBe(paused!.paused);
      expect(standing).toMatchObject({ goldChecks: checks, goldCorrect: correct });
      seen.add(paused!.paused);
    }
    expect([...seen].sort()).toEqual([false, true]);
  });

  it("text distance: the demo's textDistance is loupe_text_distance for short texts", async () => {
    const long = "Replace the red umbrella held by the woman on the left with a bright yellow one, keeping her hand and the rain as they are";
    const pairs: [string, string][] = [
      ["Make the car red.", "make the  car red"],
      ["kitten", "sitting"],
      ["", ""],
      ["", "abc"],
      ["  ", "."],
      ["Add a kite!!", "add a kite"],
      ["Add a kite.!", "Add a kite?"],
      ["a\tb\nc", "a b  c"],
      ["a\u00a0b", "a b"],
      ["a\u3000b", "a b"],
      ["Ünïcode Straße", "ünïcode strasse"],
      ["ΟΔΟΣ", "οδος"],
      ["画像に猫を追加。", "画像に猫を追加"],
      ["画像に猫を追加", "画像に犬を追加"],
      ["Add 🐈 to the sofa", "Add 🐕 to the sofa"],
      [long, long.replace("yellow", "green")],
      [long, "Remove the umbrella"],
      ["abc", "abd"],
    ];
    const rows = await t.query<{ d: number }>(
      `SELECT loupe_text_distance(e.x->>'a', e.x->>'b')::float8 AS d FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(x, i) ORDER BY e.i`,
      [JSON.stringify(pairs.map(([a, b]) => ({ a, b })))],
    );
    expect(rows.map((r) => Number(r.d))).toEqual(pairs.map(([a, b]) => Math.fround(textDistance(a, b))));
    expect(new Set(rows.map((r) => Number(r.d))).size).toBeGreaterThan(8);
  });

  it("real scores: a number the import's mapping accepts is one the margin's real arithmetic takes, and only those", async () => {
    const mapping: TMapping = { externalId: "id", instruction: "instruction", source: "src", edited: "edit", scores: { overall: "overall" } };
    const values: unknown[] = [
      0, -0, 1, 0.83, 7.25, -3.5, 123456789, 1e-40, 1.5e-45, 8e-46, 7e-46, 1e-46, 1e-50, -1e-50,
      3.4028234663852886e38, 3.4028235e38, 3.4028236e38, -3.4028236e38, 1e39, Number.MAX_VALUE, Number.MIN_VALUE,
      "7.25", " 8 ", "1e-50", "1e39", "-0.5",
    ];
    for (const v of values) {
      const mapped = mapRecord({ id: "x", instruction: "Add a kite", src: "a.png", edit: "b.png", overall: v }, mapping);
      // The cast loupe_verifier_margin applies to a score kept in the pair's JSON.
      const json = JSON.stringify({ o: mapped.ok ? mapped.candidate.scores?.overall : v });
      const stored = await t
        .query<{ v: number }>(`SELECT (($1::jsonb)->>'o')::real::float8 AS v`, [json])
        .then((r) => ({ ok: true as const, value: Number(r[0]!.v) }), () => ({ ok: false as const }));
      expect(stored.ok, `${String(v)}: mapping ${mapped.ok ? "accepts" : "refuses"}`).toBe(mapped.ok);
      // + 0: a -0 travels as 0.
      if (mapped.ok && stored.ok) expect(stored.value).toBe(Math.fround(mapped.candidate.scores!.overall!) + 0);
    }
  });

  it("scores: a score the import's mapping accepts on the project's scale gets the margin the TypeScript rule computes", async () => {
    const mapping: TMapping = { externalId: "id", instruction: "instruction", source: "src", edited: "edit", vsInstructionFollowing: "if" };
    const values: unknown[] = [1, 2, 3, "2", " 3 ", "2.0", 3.0, 0, 4, -1, 2.5, "2.5", "abc", 1000, null, ""];
    const accepted: unknown[] = [];
    for (const [k, v] of values.entries()) {
      const mapped = mapRecord({ id: "x", instruction: "Add a kite", src: "a.png", edit: "b.png", if: v }, mapping, { scales: DEFAULT_VERIFIER_SCALES });
      if (!mapped.ok) continue;
      accepted.push(v);
      const scores = mapped.candidate.scores === null ? null : { ...mapped.candidate.scores, editing_consistency: 3, generation_quality: 3 };
      const [row] = await t.query<{ margin: number | null }>(
        `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, verifier_scores)
         VALUES ($1, $2, $3, $3, 'Add a kite', $4::jsonb) RETURNING verifier_margin AS margin`,
        [project, `score-${k}`, HASH, scores === null ? null : JSON.stringify(scores)],
      );
      const expected = verifierMargin(scores, DEFAULT_VERIFIER_SCALES);
      if (expected === null) expect(row!.margin, JSON.stringify(v)).toBeNull();
      else expect(row!.margin, JSON.stringify(v)).toBeCloseTo(expected, 6);
    }
    // Within IF's 1-3 scale, or empty; 0, 4, -1, 1000 and "abc" are refused.
    expect(accepted).toEqual([1, 2, 3, "2", " 3 ", "2.0", 3.0, 2.5, "2.5", null, ""]);
  });

  it("names and defaults: the verifier rules and a delivery's attempts are the database's", async () => {
    const [check] = await t.query<{ def: string }>(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'projects_quality_check'`,
    );
    const listed = /verifier_rule = ANY \(ARRAY\[([^\]]*)\]\)/.exec(check!.def)?.[1];
    expect(listed?.split(",").map((s) => s.trim().replace(/^'|'::text$/g, ""))).toEqual([...VERIFIER_RULES]);
    const [column] = await t.query<{ d: string }>(
      `SELECT column_default AS d FROM information_schema.columns WHERE table_name = 'webhook_deliveries' AND column_name = 'max_attempts'`,
    );
    expect(Number(column!.d)).toBe(MAX_ATTEMPTS);
  });
});
