// The demo dataset: deterministic synthetic pairs with a known truth and simulated verifier signals that
// agree with it most of the time. Pure.

import {
  EDIT_KINDS,
  FLAW_APPLIES_TO,
  applyOps,
  combineInstructions,
  planEdit,
  planSideChange,
  type EditKind,
  type EditOp,
  type EditPlan,
  type FlawKind,
} from "./edits";
import { cloneScene, mixSeed, mulberry32, pick, randomScene, shuffle, type Rng, type Scene } from "./scenes";

export { EDIT_KINDS, FLAW_KINDS, type EditKind, type FlawKind } from "./edits";

export const DEMO_MODEL_VERSION = "demo-verifier-0.1";
/** What a re-caption of a pair whose edited image shows no change says. */
export const NO_CHANGE_INSTRUCTION = "Leave the image unchanged";

/** Reject reason codes (the project's default taxonomy) each flaw should be rejected with. */
export const FLAW_REASONS: Record<FlawKind, string[]> = {
  no_edit: ["no_visible_edit"],
  wrong_object: ["wrong_object"],
  extra_change: ["extra_change"],
  wrong_text: ["text_wrong"],
};

export type FailureClass = "Normal" | "No Edit" | "Hallucination";

export interface DemoTruth {
  valid: boolean;
  flaw: FlawKind | null;
  expectedReasons: string[];
  /** What the edit really did: the instruction a good annotator would re-caption it with. */
  correctInstruction: string;
}

export interface DemoVerifier {
  /** ScaleEdit inspector scores, 1..3. */
  instructionFollowing: 1 | 2 | 3;
  editingConsistency: 1 | 2 | 3;
  generationQuality: 1 | 2 | 3;
  overall: number;
  valid: boolean;
  failureClass: FailureClass;
  recaption: string;
  modelVersion: string;
}

export interface DemoPairSpec {
  externalId: string;
  editKind: EditKind;
  source: Scene;
  edited: Scene;
  instruction: string;
  task: string;
  subtask: string;
  truth: DemoTruth;
  verifier: DemoVerifier;
}

export const FLAWED_FRACTION = 0.25;
/** How often the simulated verifier misjudges a valid pair, and a flawed one (it misses flaws more). */
export const VERIFIER_MISS_VALID = 0.12;
export const VERIFIER_MISS_FLAWED = 0.3;

export function demoExternalId(i: number): string {
  return `demo-${String(i + 1).padStart(4, "0")}`;
}

function assign(count: number, rng: Rng): { kind: EditKind; flaw: FlawKind | null; verifierAgrees: boolean }[] {
  const kinds: EditKind[] = [];
  while (kinds.length < count) kinds.push(...shuffle(rng, EDIT_KINDS));
  kinds.length = count;
  const flaws: (FlawKind | null)[] = new Array(count).fill(null);
  const totalFlawed = Math.round(count * FLAWED_FRACTION);
  const quota: Record<FlawKind, number> = {
    wrong_text: Math.floor(totalFlawed * 0.22),
    wrong_object: Math.floor(totalFlawed * 0.25),
    no_edit: Math.floor(totalFlawed * 0.26),
    extra_change: 0,
  };
  quota.extra_change = totalFlawed - quota.wrong_text - quota.wrong_object - quota.no_edit;
  // Most constrained flaws first, so they get the few kinds they can apply to.
  for (const flaw of ["wrong_text", "wrong_object", "no_edit", "extra_change"] as const) {
    const eligible = shuffle(
      rng,
      kinds.map((_k, i) => i).filter((i) => flaws[i] === null && FLAW_APPLIES_TO[flaw].includes(kinds[i]!)),
    );
    for (const i of eligible.slice(0, quota[flaw])) flaws[i] = flaw;
  }
  // The verifier gets a fixed share of each group wrong, so it mostly, not always, agrees with the truth.
  const agrees: boolean[] = new Array(count).fill(true);
  for (const [flawed, miss] of [
    [false, VERIFIER_MISS_VALID],
    [true, VERIFIER_MISS_FLAWED],
  ] as const) {
    const group = shuffle(
      rng,
      flaws.map((_fl, i) => i).filter((i) => (flaws[i] !== null) === flawed),
    );
    for (const i of group.slice(0, Math.round(group.length * miss))) agrees[i] = false;
  }
  return kinds.map((kind, i) => ({ kind, flaw: flaws[i]!, verifierAgrees: agrees[i]! }));
}

interface Built {
  source: Scene;
  edited: Scene;
  plan: EditPlan;
  truth: DemoTruth;
  /** A second phrasing of what was really done. */
  correctAlt: string;
}

function build(kind: EditKind, flaw: FlawKind | null, rng: Rng): Built {
  for (let attempt = 0; attempt < 60; attempt++) {
    const source = randomScene(rng);
    const plan = planEdit(kind, source, rng);
    if (!plan) continue;
    const req = plan.requested;
    const truth = (correct: string, f: FlawKind | null): DemoTruth => ({
      valid: f === null,
      flaw: f,
      expectedReasons: f ? FLAW_REASONS[f] : [],
      correctInstruction: correct,
    });
    if (flaw === null) {
      return { source, plan, edited: applyOps(source, req), truth: truth(req.instruction, null), correctAlt: req.alt };
    }
    if (flaw === "no_edit") {
      const edited = cloneScene(source);
      // Half are byte-identical re-renders; half moved something by a fraction of a pixel.
      if (rng() < 0.5 && edited.objects.length > 0) {
        const o = pick(rng, edited.objects);
        o.x = Math.round((o.x + 0.3) * 10) / 10;
      }
      return { source, plan, edited, truth: truth(NO_CHANGE_INSTRUCTION, flaw), correctAlt: "Keep the picture as it is" };
    }
    if (flaw === "wrong_object") {
      const wrong = plan.wrongObject;
      if (!wrong) continue;
      return { source, plan, edited: applyOps(source, wrong), truth: truth(wrong.instruction, flaw), correctAlt: wrong.alt };
    }
    if (flaw === "wrong_text") {
      const wrong = plan.wrongText;
      if (!wrong) continue;
      return { source, plan, edited: applyOps(source, wrong), truth: truth(wrong.instruction, flaw), correctAlt: wrong.alt };
    }
    const side: EditOp | null = planSideChange(source, req.touches, rng);
    if (!side) continue;
    return {
      source,
      plan,
      edited: applyOps(source, req, side),
      truth: truth(combineInstructions(req.instruction, side.instruction), flaw),
      correctAlt: combineInstructions(req.alt, side.instruction),
    };
  }
  throw new Error(`demo: could not build a ${kind} pair with flaw ${flaw ?? "none"}`);
}

type Score = 1 | 2 | 3;

function simulateVerifier(kind: EditKind, built: Built, agrees: boolean, rng: Rng): DemoVerifier {
  const { truth, plan } = built;
  const believesValid = agrees ? truth.valid : !truth.valid;
  // What the verifier thinks went wrong, when it thinks something did.
  let believedFlaw: FlawKind | null = null;
  if (!believesValid) {
    if (truth.flaw) believedFlaw = truth.flaw;
    else if (kind === "count_change" || kind === "size_change" || kind === "object_addition") believedFlaw = "no_edit";
    else believedFlaw = pick(rng, ["wrong_object", "extra_change"] as const);
    if (kind === "text_edit" && !truth.flaw && rng() < 0.6) believedFlaw = "wrong_text";
  }
  const p = (prob: number, a: Score, b: Score): Score => (rng() < prob ? a : b);
  let IF: Score, EC: Score, GQ: Score;
  switch (believedFlaw) {
    case null:
      IF = p(0.9, 3, 2);
      EC = p(0.75, 3, 2);
      GQ = p(0.8, 3, 2);
      break;
    case "no_edit":
      IF = 1;
      EC = 3;
      GQ = p(0.7, 3, 2);
      break;
    case "wrong_object":
      IF = 1;
      EC = p(0.6, 2, 1);
      GQ = p(0.6, 3, 2);
      break;
    case "extra_change":
      IF = p(0.6, 3, 2);
      EC = 1;
      GQ = p(0.6, 3, 2);
      break;
    case "wrong_text":
      IF = 2;
      EC = p(0.6, 3, 2);
      GQ = 1;
      break;
  }
  const noise = (rng() - 0.5) * 1.4;
  const overall = Math.max(0, Math.min(10, (IF - 1) * 2.2 + (EC - 1) * 1.4 + (GQ - 1) * 1.4 + noise));
  const failureClass: FailureClass = believesValid ? "Normal" : believedFlaw === "no_edit" ? "No Edit" : "Hallucination";
  let recaption: string;
  if (believesValid) {
    recaption = rng() < 0.45 ? plan.requested.instruction : truth.valid ? plan.requested.alt : plan.requested.instruction;
  } else if (truth.flaw) {
    recaption = rng() < 0.6 ? truth.correctInstruction : built.correctAlt;
  } else {
    recaption = believedFlaw === "no_edit" ? NO_CHANGE_INSTRUCTION : plan.requested.alt;
  }
  return {
    instructionFollowing: IF,
    editingConsistency: EC,
    generationQuality: GQ,
    overall: Math.round(overall * 10) / 10,
    valid: believesValid,
    failureClass,
    recaption,
    modelVersion: DEMO_MODEL_VERSION,
  };
}

export function generateDemoPairs(count = 240, seed = 1): DemoPairSpec[] {
  if (!Number.isInteger(count) || count < 0) throw new Error(`demo: count must be a non-negative integer, got ${count}`);
  const plan = assign(count, mulberry32(mixSeed(seed, 0x51a7)));
  return plan.map(({ kind, flaw, verifierAgrees }, i) => {
    const built = build(kind, flaw, mulberry32(mixSeed(seed, i, 0x5ce7e)));
    const verifier = simulateVerifier(kind, built, verifierAgrees, mulberry32(mixSeed(seed, i, 0xbeef)));
    return {
      externalId: demoExternalId(i),
      editKind: kind,
      source: built.source,
      edited: built.edited,
      instruction: built.plan.requested.instruction,
      task: built.plan.task,
      subtask: built.plan.subtask,
      truth: built.truth,
      verifier,
    };
  });
}
