// The demo's gold pairs and its simulated past: three annotators of known reliability, so consensus, review,
// agreement, standings, throughput and a gold pause show right after `npm run demo`. Pure; seed.ts inserts
// the plan through the real label triggers.

import { FLAW_REASONS, type DemoPairSpec } from "./generate";
import { mixSeed, mulberry32, pick, randRange, shuffle, type Rng } from "./scenes";

/** Share of the demo pairs that are gold (the project's gold rate is the same figure). */
export const DEMO_GOLD_FRACTION = 0.1;
/** Share of the demo pairs the simulated annotators have already labelled (80 of 240). */
export const DEMO_HISTORY_FRACTION = 1 / 3;
/** Days the simulated history is spread over, ending a day before the seed. */
export const DEMO_HISTORY_DAYS = 7;

export interface DemoSimulatedAnnotator {
  email: string;
  name: string;
  /** Chance of the right answer on any pair. */
  accuracy: number;
  /** Seconds spent per pair, uniform in this range. */
  seconds: readonly [number, number];
  /** Gold checks they answer over the history. */
  goldChecks: number;
}

// Careful, average and careless. The careless one fails enough gold for the project's rule (70%
// after 5 checks) to pause them part-way through, as a team lead would see it happen.
export const DEMO_SIMULATED_ANNOTATORS: readonly DemoSimulatedAnnotator[] = [
  { email: "sim1@loupe.local", name: "Sim Annotator 1", accuracy: 0.95, seconds: [9, 25], goldChecks: 8 },
  { email: "sim2@loupe.local", name: "Sim Annotator 2", accuracy: 0.85, seconds: [5, 18], goldChecks: 7 },
  { email: "sim3@loupe.local", name: "Sim Annotator 3", accuracy: 0.55, seconds: [3, 9], goldChecks: 7 },
];
const CARELESS = 2;

export type TDemoDecision = "accept" | "reject" | "recaption";

export interface DemoGoldAnswer {
  decision: "accept" | "reject";
  reasons: string[];
}

/** The expected answer on a demo pair, from its truth: accept a valid pair, reject a flawed one with the flaw's reason. */
export function demoGoldAnswer(spec: DemoPairSpec): DemoGoldAnswer {
  return spec.truth.flaw ? { decision: "reject", reasons: FLAW_REASONS[spec.truth.flaw] } : { decision: "accept", reasons: [] };
}

/**
 * External ids of the gold pairs: DEMO_GOLD_FRACTION of the pairs, half valid and half flawed (the
 * flawed ones round-robin over the flaw kinds), so a gold check tests spotting flaws as much as
 * passing good edits. Deterministic for the same specs.
 */
export function pickDemoGold(specs: readonly DemoPairSpec[], fraction = DEMO_GOLD_FRACTION): Set<string> {
  const n = Math.round(specs.length * fraction);
  const rng = mulberry32(mixSeed(0x601d, specs.length));
  const valid = shuffle(rng, specs.filter((s) => s.truth.valid));
  const byFlaw = new Map<string, DemoPairSpec[]>();
  for (const s of specs) {
    if (!s.truth.flaw) continue;
    byFlaw.set(s.truth.flaw, [...(byFlaw.get(s.truth.flaw) ?? []), s]);
  }
  const flawLists = [...byFlaw.keys()].sort().map((k) => shuffle(rng, byFlaw.get(k)!));
  const flawed: DemoPairSpec[] = [];
  for (let round = 0; flawLists.some((l) => l.length > round); round++) {
    for (const l of flawLists) if (l[round]) flawed.push(l[round]!);
  }
  const nFlawed = Math.min(Math.floor(n / 2), flawed.length);
  const chosen = [...flawed.slice(0, nFlawed), ...valid.slice(0, n - nFlawed)];
  return new Set(chosen.map((s) => s.externalId));
}

// The white space PostgreSQL's \s matches on both engines, which is not JavaScript's \s: that one also
// takes no-break spaces. (U+0085 and U+1680 count on one engine only, so no text of ours holds them.)
const SPACES = /[\t\n\v\f\r \u2000-\u2006\u2008-\u200a\u2028\u2029\u205f\u3000]+/g;

/**
 * Same as the database's loupe_normalize_text: case, runs of spaces and final punctuation do not
 * count. Lower case a character at a time, as the database does (no final sigma).
 */
function normalize(t: string): string {
  const lower = Array.from(t, (c) => c.toLowerCase()).join("");
  return lower.replace(SPACES, " ").replace(/^ +| +$/g, "").replace(/[.!。]+$/, "");
}

/** Normalized Levenshtein distance, as the database's loupe_text_distance computes it for short texts. */
export function textDistance(a: string, b: string): number {
  const s = [...normalize(a)];
  const t = [...normalize(b)];
  if (s.join("") === t.join("")) return 0;
  if (s.length === 0 || t.length === 0) return 1;
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[t.length]! / Math.max(s.length, t.length);
}

export interface DemoLabelEvent {
  externalId: string;
  sim: number;
  decision: TDemoDecision;
  reasons: string[];
  recaption: string | null;
  seconds: number;
  at: Date;
  gold: boolean;
}

export interface DemoHistoryPlan {
  /** Every label, oldest first: inserted in this order, the gold trigger sees the checks as they happened. */
  events: DemoLabelEvent[];
  /** Pairs scripted to reach review for each routing reason (null when the demo is too small to hold one). */
  scenarios: { decision: string | null; recaption: string | null; verifier: string | null };
}

interface Answer {
  decision: TDemoDecision;
  reasons: string[];
  recaption: string | null;
}

// Reasons a careless reject of a good edit names: the ones that take a second look to rule out.
const FALSE_ALARMS = ["artifacts", "extra_change", "lighting_mismatch", "change_outside_region"] as const;
// A re-caption must be this far from another one (the project default is 0.35) for the scripted
// re-caption disagreement to route whatever rounding the database applies.
const SCRIPTED_SPREAD = 0.5;

function canRecaption(spec: DemoPairSpec): boolean {
  return spec.truth.flaw !== null && spec.truth.flaw !== "no_edit";
}

/** Another correct way of saying what a flawed edit did: the verifier's re-caption, when it saw the flaw and worded it differently. */
function otherWording(spec: DemoPairSpec): string | null {
  if (spec.verifier.valid || !canRecaption(spec)) return null;
  return normalize(spec.verifier.recaption) === normalize(spec.truth.correctInstruction) ? null : spec.verifier.recaption;
}

function rightAnswer(spec: DemoPairSpec, sim: number, rng: Rng): Answer {
  if (spec.truth.valid) return { decision: "accept", reasons: [], recaption: null };
  // Flawed edits that did something describable are as rightly re-captioned as rejected.
  if (canRecaption(spec) && sim !== CARELESS && rng() < 0.35) {
    const alt = otherWording(spec);
    const text = alt && sim === 1 && rng() < 0.3 ? alt : spec.truth.correctInstruction;
    return { decision: "recaption", reasons: [], recaption: text };
  }
  return { decision: "reject", reasons: spec.truth.expectedReasons, recaption: null };
}

function wrongAnswer(spec: DemoPairSpec, rng: Rng): Answer {
  if (spec.truth.valid) return { decision: "reject", reasons: [pick(rng, FALSE_ALARMS)], recaption: null };
  // Mostly the flaw goes unseen; sometimes something is seen but named wrongly.
  if (rng() < 0.8) return { decision: "accept", reasons: [], recaption: null };
  const wrong = FALSE_ALARMS.filter((r) => !spec.truth.expectedReasons.includes(r));
  return { decision: "reject", reasons: [pick(rng, wrong)], recaption: null };
}

function goldAnswerOf(spec: DemoPairSpec, right: boolean): Answer {
  const g = demoGoldAnswer(spec);
  if (right) return { decision: g.decision, reasons: g.reasons, recaption: null };
  return g.decision === "accept"
    ? { decision: "reject", reasons: ["artifacts"], recaption: null }
    : { decision: "accept", reasons: [], recaption: null };
}

/** Gold correctness per annotator: the careless one misses two of their first five, so the pause fires by the fifth. */
function goldCorrectness(sim: number, n: number, rng: Rng): boolean[] {
  const right = Array.from({ length: n }, () => rng() < DEMO_SIMULATED_ANNOTATORS[sim]!.accuracy);
  if (sim === CARELESS) {
    for (let i = 0; i < Math.min(5, n) && right.slice(0, 5).filter((r) => !r).length < 2; i++) right[i] = false;
  } else {
    let misses = 0;
    for (let i = 0; i < n; i++) if (!right[i] && ++misses > 1) right[i] = true;
  }
  return right;
}

/**
 * The simulated history: the first DEMO_HISTORY_FRACTION of regular pairs get two labels each from two of
 * the three annotators in rotation. Three are scripted, by the reliable two, so review holds one pair per
 * routing reason (decision, re-caption, verifier). Gold checks spread through each annotator's work, over
 * the DEMO_HISTORY_DAYS before `now`.
 */
export function planDemoHistory(specs: readonly DemoPairSpec[], gold: ReadonlySet<string>, now: Date): DemoHistoryPlan {
  const regular = specs.filter((s) => !gold.has(s.externalId));
  const labelled = regular.slice(0, Math.round(specs.length * DEMO_HISTORY_FRACTION));
  const goldSpecs = specs.filter((s) => gold.has(s.externalId));

  const used = new Set<string>();
  const take = (fits: (s: DemoPairSpec) => boolean): DemoPairSpec | null => {
    const s = labelled.find((x) => !used.has(x.externalId) && fits(x)) ?? null;
    if (s) used.add(s.externalId);
    return s;
  };
  const recaptionPair = take((s) => {
    const alt = otherWording(s);
    return alt !== null && textDistance(alt, s.truth.correctInstruction) > SCRIPTED_SPREAD;
  });
  const decisionPair = take((s) => canRecaption(s) && !s.verifier.valid);
  const verifierPair = take((s) => s.verifier.valid !== s.truth.valid);
  const scripted = new Map<string, [Answer, Answer]>();
  if (recaptionPair) {
    scripted.set(recaptionPair.externalId, [
      { decision: "recaption", reasons: [], recaption: recaptionPair.truth.correctInstruction },
      { decision: "recaption", reasons: [], recaption: otherWording(recaptionPair) },
    ]);
  }
  if (decisionPair) {
    scripted.set(decisionPair.externalId, [
      { decision: "reject", reasons: decisionPair.truth.expectedReasons, recaption: null },
      { decision: "recaption", reasons: [], recaption: decisionPair.truth.correctInstruction },
    ]);
  }
  if (verifierPair) {
    const right = goldAnswerOf(verifierPair, true);
    scripted.set(verifierPair.externalId, [right, right]);
  }

  const work: { spec: DemoPairSpec; answer: Answer; gold: boolean }[][] = DEMO_SIMULATED_ANNOTATORS.map(() => []);
  labelled.forEach((spec, k) => {
    const script = scripted.get(spec.externalId);
    const who = script ? [0, 1] : [k % 3, (k + 1) % 3];
    who.forEach((sim, j) => {
      const rng = mulberry32(mixSeed(0x415, k, sim));
      const answer = script
        ? script[j]!
        : rng() < DEMO_SIMULATED_ANNOTATORS[sim]!.accuracy
          ? rightAnswer(spec, sim, rng)
          : wrongAnswer(spec, rng);
      work[sim]!.push({ spec, answer, gold: false });
    });
  });
  DEMO_SIMULATED_ANNOTATORS.forEach((a, sim) => {
    const rng = mulberry32(mixSeed(0x601d, sim));
    const mine = shuffle(rng, goldSpecs).slice(0, a.goldChecks);
    const right = goldCorrectness(sim, mine.length, rng);
    const list = work[sim]!;
    const regularCount = list.length;
    // Insert from the back so earlier positions stay valid: gold j lands after an even share of the work.
    for (let j = mine.length - 1; j >= 0; j--) {
      const at = Math.round(((j + 1) * regularCount) / (mine.length + 1));
      list.splice(at, 0, { spec: mine[j]!, answer: goldAnswerOf(mine[j]!, right[j]!), gold: true });
    }
  });

  const dayMs = 24 * 3600 * 1000;
  const events: DemoLabelEvent[] = [];
  work.forEach((list, sim) => {
    const a = DEMO_SIMULATED_ANNOTATORS[sim]!;
    const rng = mulberry32(mixSeed(0x7113, sim));
    let day = -1;
    let t = 0;
    list.forEach((item, j) => {
      const d = Math.floor((j * DEMO_HISTORY_DAYS) / list.length);
      if (d !== day) {
        // A new working session: each annotator starts at their own hour, days back from `now`.
        day = d;
        t = now.getTime() - (DEMO_HISTORY_DAYS - d) * dayMs + (1 + sim * 2 + rng()) * 3600 * 1000;
      }
      const seconds = Math.round(randRange(rng, a.seconds[0], a.seconds[1]) * 10) / 10;
      t += (seconds + randRange(rng, 2, 20)) * 1000;
      events.push({ externalId: item.spec.externalId, sim, ...item.answer, seconds, at: new Date(Math.round(t)), gold: item.gold });
    });
  });
  events.sort((x, y) => x.at.getTime() - y.at.getTime() || x.sim - y.sim);

  return {
    events,
    scenarios: {
      decision: decisionPair?.externalId ?? null,
      recaption: recaptionPair?.externalId ?? null,
      verifier: verifierPair?.externalId ?? null,
    },
  };
}
