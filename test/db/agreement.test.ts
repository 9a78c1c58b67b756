import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pairwiseCohen, summarize, type TRatings } from "@/lib/quality/agreement";
import { getAgreementFigures, getAgreementSummary } from "@/lib/quality/figures";
import { scopeKey, type TAgreementFigures, type TAgreementRow, type TAgreementScope } from "@/lib/quality/figures-types";
import { DEFAULT_REJECT_REASONS } from "@/lib/projects/reasons";
import { engines, freshDatabase, type TestDatabase } from "../support/db";
import { makeUsers } from "../support/fixtures";
import { mulberry32 } from "@/scripts/demo/scenes";

// getAgreementFigures computes from SQL histograms; the same labels as a matrix through the pure functions must agree.

type TDecision = "accept" | "reject" | "recaption";
type TFixtureLabel = { annotator: number; decision: TDecision; reasons: string[] };
type TFixturePair = { task: string | null; subtask: string | null; gold?: boolean; labels: TFixtureLabel[] };

const HASH = "0".repeat(64);
const CODES = DEFAULT_REJECT_REASONS.map((r) => r.code);
const DIMENSION_OF = new Map(DEFAULT_REJECT_REASONS.map((r) => [r.code, r.dimension]));
const SCOPES: [string | null, string | null][] = [
  ["object", "addition"],
  ["object", "removal"],
  ["style", "anime"],
  ["style", null],
  [null, null],
];

const seeded = mulberry32; // seeded, so a failing random case can be replayed

/** 60 pairs over 5 scopes, 1–3 labels each from 4 annotators, plus hand-made cases and a gold pair. */
function makeFixture(annotators: number[]): TFixturePair[] {
  const random = seeded(42);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const pairs: TFixturePair[] = [];
  for (let i = 0; i < 60; i++) {
    const [task, subtask] = SCOPES[i % SCOPES.length]!;
    const raters = [...annotators].sort(() => random() - 0.5).slice(0, 1 + Math.floor(random() * 3));
    pairs.push({
      task,
      subtask,
      labels: raters.map((annotator) => {
        const decision = pick(["accept", "accept", "reject", "recaption"] as const);
        const reasons = decision === "reject" ? [...new Set([pick(CODES.slice(0, 5)), ...(random() < 0.4 ? [pick(CODES)] : [])])] : [];
        return { annotator, decision, reasons };
      }),
    });
  }
  const [a, b, c] = annotators;
  // Two IF reasons in one label count once for IF: IF is "chosen" by both, so IF agrees here.
  pairs.push({
    task: "object",
    subtask: "addition",
    labels: [
      { annotator: a!, decision: "reject", reasons: ["no_visible_edit", "wrong_object"] },
      { annotator: b!, decision: "reject", reasons: ["no_visible_edit"] },
    ],
  });
  // Gold pairs count like any other.
  pairs.push({
    task: "object",
    subtask: "removal",
    gold: true,
    labels: [
      { annotator: a!, decision: "accept", reasons: [] },
      { annotator: b!, decision: "accept", reasons: [] },
      { annotator: c!, decision: "reject", reasons: ["artifacts"] },
    ],
  });
  return pairs;
}

async function insertFixture(t: TestDatabase, projectId: number, pairs: TFixturePair[]) {
  for (const [i, pair] of pairs.entries()) {
    const [row] = await t.query<{ id: string }>(
      `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, task, subtask, wanted,
                          is_gold, gold_active, gold_decision, status, final_decision, final_source)
       VALUES ($1, $2, $3, $3, $4, $5, $6, 3, $7, $7,
               CASE WHEN $7 THEN 'accept'::"Decision" END,
               CASE WHEN $7 THEN 'final' ELSE 'open' END::"PairStatus",
               CASE WHEN $7 THEN 'accept'::"Decision" END,
               CASE WHEN $7 THEN 'gold' END)
       RETURNING id::text`,
      [projectId, `x-${i}`, HASH, `instruction ${i}`, pair.task, pair.subtask, pair.gold ?? false],
    );
    for (const label of pair.labels) {
      await t.query(
        `INSERT INTO labels (pair_id, project_id, annotator_id, decision, reasons, recaption, seconds_spent, submission_id)
         VALUES ($1, $2, $3, $4::"Decision", $5::text[], $6, 3, $7::uuid)`,
        [row!.id, projectId, label.annotator, label.decision, label.reasons, label.decision === "recaption" ? "Make it red" : null, randomUUID()],
      );
    }
  }
}

function inScope(pair: TFixturePair, scope: TAgreementScope): boolean {
  if (scope.level === "project") return true;
  if (scope.level === "task") return pair.task === scope.task;
  return pair.task === scope.task && pair.subtask === scope.subtask;
}

function matrixOf(pairs: TFixturePair[], annotators: number[], scope: TAgreementScope, value: (l: TFixtureLabel) => string): TRatings {
  return pairs
    .filter((p) => p.labels.length > 0 && inScope(p, scope))
    .map((p) => annotators.map((id) => {
      const label = p.labels.find((l) => l.annotator === id);
      return label ? value(label) : null;
    }));
}

const chosen = (yes: boolean) => (yes ? "chosen" : "not chosen");

function expectSameFigures(row: TAgreementRow | undefined, matrix: TRatings, what: string) {
  expect(row, what).toBeDefined();
  const expected = summarize(matrix);
  expect({ units: row!.units, pairableUnits: row!.pairableUnits, labels: row!.labels }, what).toEqual({
    units: expected.units,
    pairableUnits: expected.pairableUnits,
    labels: expected.labels,
  });
  const close = (actual: number | null, wanted: number | null) => {
    if (wanted === null) expect(actual, what).toBeNull();
    else expect(Math.abs(actual! - wanted), what).toBeLessThan(1e-9);
  };
  close(row!.percentAgreement, expected.percentAgreement);
  close(row!.fleiss.kappa, expected.fleiss.kappa);
  close(row!.alpha.alpha, expected.alpha.alpha);
  expect([row!.fleiss.reason, row!.alpha.reason], what).toEqual([expected.fleiss.reason, expected.alpha.reason]);
}

function rowOf(figures: TAgreementFigures, kind: string, key: string, scope: TAgreementScope) {
  return figures.rows.find((r) => r.variable.kind === kind && r.variable.key === key && scopeKey(r.scope) === scopeKey(scope));
}

describe.each(engines())("agreement figures on $engine", ({ engine }) => {
  let t: TestDatabase;
  let annotators: number[];
  let projectId: number;
  let pairs: TFixturePair[];
  let figures: TAgreementFigures;

  beforeAll(async () => {
    t = await freshDatabase(engine);
    annotators = await makeUsers(t, 4, "agr");
    const project = await t.prisma.project.create({ data: { name: "Agreement", overlap: 3, rejectReasons: DEFAULT_REJECT_REASONS } });
    projectId = project.id;
    pairs = makeFixture(annotators);
    await insertFixture(t, projectId, pairs);
    figures = (await getAgreementFigures(t, projectId))!;
  });
  afterAll(async () => {
    await t?.close();
  });

  const scopes: TAgreementScope[] = [
    { level: "project" },
    { level: "task", task: "object" },
    { level: "subtask", task: "object", subtask: "addition" },
    { level: "subtask", task: "object", subtask: "removal" },
    { level: "task", task: "style" },
    { level: "subtask", task: "style", subtask: "anime" },
  ];

  it("lists the project, then each task followed by its subtasks, and no scope for a missing task or subtask", () => {
    const listed = [...new Set(figures.rows.map((r) => scopeKey(r.scope)))];
    expect(listed).toEqual(scopes.map(scopeKey));
    const kinds = figures.rows.filter((r) => r.scope.level === "project").map((r) => `${r.variable.kind}:${r.variable.key}`);
    expect(kinds).toEqual(["decision:decision", "dimension:IF", "dimension:NC", "dimension:VQ", "dimension:RA", ...CODES.map((c) => `reason:${c}`)]);
  });

  it("gives the matrix functions' numbers for the decision in every scope", () => {
    for (const scope of scopes) {
      expectSameFigures(rowOf(figures, "decision", "decision", scope), matrixOf(pairs, annotators, scope, (l) => l.decision), `decision ${scopeKey(scope)}`);
    }
  });

  it("gives them for every reason and every dimension, a label with two reasons of one dimension counting once", () => {
    for (const scope of scopes) {
      for (const code of CODES) {
        const matrix = matrixOf(pairs, annotators, scope, (l) => chosen(l.reasons.includes(code)));
        expectSameFigures(rowOf(figures, "reason", code, scope), matrix, `${code} ${scopeKey(scope)}`);
      }
      for (const dimension of ["IF", "NC", "VQ", "RA"]) {
        const matrix = matrixOf(pairs, annotators, scope, (l) => chosen(l.reasons.some((r) => DIMENSION_OF.get(r) === dimension)));
        expectSameFigures(rowOf(figures, "dimension", dimension, scope), matrix, `${dimension} ${scopeKey(scope)}`);
      }
    }
    expect(pairs.some((p) => p.labels.some((l) => l.reasons.filter((r) => DIMENSION_OF.get(r) === "IF").length > 1))).toBe(true);
    expect(figures.rows.some((r) => r.alpha.reason === "single-category")).toBe(true);
  });

  it("gives every pair of annotators Cohen's κ on the decision over their shared pairs, with names", async () => {
    const matrix = matrixOf(pairs, annotators, { level: "project" }, (l) => l.decision);
    const expected = pairwiseCohen(matrix, annotators.map(String));
    expect(figures.cohen).toHaveLength(expected.length);
    const users = await t.prisma.user.findMany({ where: { id: { in: annotators } } });
    const nameOf = new Map(users.map((u) => [u.id, u.name]));
    for (const e of expected) {
      const [lo, hi] = [Number(e.raterA), Number(e.raterB)].sort((x, y) => x - y);
      const got = figures.cohen.find((c) => c.a.id === lo && c.b.id === hi);
      expect(got, `${lo}-${hi}`).toBeDefined();
      expect(got!.n).toBe(e.n);
      expect(got!.reason).toBe(e.reason);
      if (e.kappa === null) expect(got!.kappa).toBeNull();
      else expect(Math.abs(got!.kappa! - e.kappa)).toBeLessThan(1e-9);
      expect([got!.a.name, got!.b.name]).toEqual([nameOf.get(lo!), nameOf.get(hi!)]);
    }
    expect(figures.annotators.map((a) => a.id).sort()).toEqual([...annotators].sort());
  });

  it("getAgreementSummary gives the project's decision row", async () => {
    const summary = await getAgreementSummary(t, projectId);
    expect(summary).toEqual(rowOf(figures, "decision", "decision", { level: "project" }));
  });

  it("answers null figures with 'no data' for a project without labels, and null for no project", async () => {
    const empty = await t.prisma.project.create({ data: { name: "Empty", overlap: 2, rejectReasons: DEFAULT_REJECT_REASONS } });
    await t.prisma.pair.create({
      data: { projectId: empty.id, externalId: "e-0", sourceImage: HASH, editedImage: HASH, instruction: "x", task: "object", wanted: 2 },
    });
    const f = (await getAgreementFigures(t, empty.id))!;
    expect(f.project).toEqual({ id: empty.id, name: "Empty" });
    expect(f.rows).toHaveLength(1 + 4 + CODES.length);
    for (const row of f.rows) {
      expect(row).toMatchObject({
        scope: { level: "project" },
        percentAgreement: null,
        units: 0,
        pairableUnits: 0,
        labels: 0,
        fleiss: { kappa: null, reason: "no-data" },
        alpha: { alpha: null, reason: "no-data" },
      });
    }
    expect(f.cohen).toEqual([]);
    expect(f.annotators).toEqual([]);
    expect(await getAgreementSummary(t, empty.id)).toMatchObject({ percentAgreement: null, alpha: { reason: "no-data" } });
    expect(await getAgreementFigures(t, 999_999)).toBeNull();
  });
});
