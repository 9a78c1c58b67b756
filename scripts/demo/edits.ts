// Edits on demo scenes: a function scene -> scene plus the instruction asking for it. Pure; randomness from the Rng.

import {
  KIND_COLORS,
  KIND_HALF_WIDTH,
  KIND_NOUN,
  KIND_SIZE,
  PAINTABLE_COLORS,
  SIGN_WORDS,
  backRow,
  cloneScene,
  colorWord,
  depthScale,
  findSpot,
  groundWord,
  newObject,
  objectsOf,
  pick,
  randInt,
  refer,
  shuffle,
  type ColorName,
  type ObjectKind,
  type Rng,
  type Scene,
  type SceneObject,
} from "./scenes";

export const EDIT_KINDS = [
  "color_change",
  "object_addition",
  "object_removal",
  "object_replacement",
  "count_change",
  "text_edit",
  "tone_change",
  "size_change",
] as const;
export type EditKind = (typeof EDIT_KINDS)[number];

export const FLAW_KINDS = ["no_edit", "wrong_object", "extra_change", "wrong_text"] as const;
export type FlawKind = (typeof FLAW_KINDS)[number];

/** Which edit kinds each flaw can sensibly happen to. */
export const FLAW_APPLIES_TO: Record<FlawKind, readonly EditKind[]> = {
  no_edit: EDIT_KINDS,
  extra_change: EDIT_KINDS,
  wrong_object: ["color_change", "object_removal", "object_replacement", "size_change"],
  wrong_text: ["text_edit"],
};

export interface EditOp {
  instruction: string;
  /** Another natural phrasing of the same edit (verifier re-captions use it). */
  alt: string;
  /** Ids of the objects it acts on (side changes avoid these). */
  touches: string[];
  apply(scene: Scene): void;
}

export interface EditPlan {
  kind: EditKind;
  task: string;
  subtask: string;
  requested: EditOp;
  /** The same instruction applied to the wrong object (only for kinds where that makes sense). */
  wrongObject?: EditOp;
  wrongText?: EditOp;
}

const NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five"];

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function lowerFirst(s: string): string {
  // Keep sign words and proper capitals; only lower the first word's initial.
  return s.charAt(0).toLowerCase() + s.slice(1);
}

export function combineInstructions(a: string, b: string): string {
  return `${a.replace(/[.\s]+$/, "")} and ${lowerFirst(b)}`;
}

function byId(scene: Scene, id: string): SceneObject {
  const o = scene.objects.find((x) => x.id === id);
  if (!o) throw new Error(`demo edit: object ${id} is not in the scene`);
  return o;
}

function removeId(scene: Scene, id: string): void {
  scene.objects = scene.objects.filter((o) => o.id !== id);
}

// ---- Colour

const COLOR_TEMPLATES: Partial<Record<ObjectKind, ((ref: string, color: string) => string)[]>> = {
  car: [
    (r, c) => `Make ${r} ${c}`,
    (r, c) => `Paint ${r} ${c}`,
    (r, c) => `Change the color of ${r} to ${c}`,
    (r, c) => `Turn ${r} ${c}`,
  ],
  house: [
    (r, c) => `Paint the walls of ${r} ${c}`,
    (r, c) => `Make ${r} ${c}`,
    (r, c) => `Change the color of ${r} to ${c}`,
  ],
  ball: [(r, c) => `Make ${r} ${c}`, (r, c) => `Change ${r} to a ${c} one`, (r, c) => `Turn ${r} ${c}`],
  sign: [(r, c) => `Paint the board of ${r} ${c}`, (r, c) => `Make ${r} ${c}`, (r, c) => `Change the color of ${r} to ${c}`],
};

function colorOp(source: Scene, target: SceneObject, color: ColorName, rng: Rng): EditOp {
  const ref = refer(source, target);
  const templates = COLOR_TEMPLATES[target.kind] ?? [(r: string, c: string) => `Make ${r} ${c}`];
  const [t1, t2] = shuffle(rng, templates);
  return {
    instruction: cap(t1!(ref, colorWord(color))),
    alt: cap((t2 ?? t1)!(ref, colorWord(color))),
    touches: [target.id],
    apply: (s) => {
      byId(s, target.id).color = color;
    },
  };
}

function paintable(scene: Scene): SceneObject[] {
  return scene.objects.filter((o) => PAINTABLE_COLORS[o.kind]);
}

function planColor(source: Scene, rng: Rng): EditPlan | null {
  const candidates = paintable(source);
  // Signs are always there; prefer the more interesting targets when present.
  const preferred = candidates.filter((o) => o.kind !== "sign");
  const target = pick(rng, preferred.length > 0 && rng() < 0.85 ? preferred : candidates);
  const colors = PAINTABLE_COLORS[target.kind]!.filter((c) => c !== target.color);
  const color = pick(rng, colors);
  const requested = colorOp(source, target, color, rng);
  // Wrong object: the colour lands on something else (preferably of another kind).
  const others = shuffle(
    rng,
    candidates.filter((o) => o.id !== target.id && o.color !== color && PAINTABLE_COLORS[o.kind]!.includes(color)),
  ).sort((a, b) => Number(a.kind === target.kind) - Number(b.kind === target.kind));
  const wrong = others[0];
  return {
    kind: "color_change",
    task: "attribute",
    subtask: "Color Alteration",
    requested,
    wrongObject: wrong ? colorOp(source, wrong, color, rng) : undefined,
  };
}

// ---- Addition

const ADDABLE: ObjectKind[] = ["dog", "cat", "ball", "flower", "tree", "lamp"];

function placeNear(scene: Scene, kind: ObjectKind, anchor: SceneObject, rng: Rng): { x: number; y: number } {
  // Beside a house or tree, but a little nearer the viewer, so the new thing is not hidden behind it.
  const y = anchor.kind === "house" || anchor.kind === "tree" ? anchor.y + randInt(rng, 10, 22) : anchor.y + randInt(rng, 0, 6);
  const s = depthScale(scene, y) * KIND_SIZE[kind];
  const gap = KIND_HALF_WIDTH[anchor.kind] * anchor.s + KIND_HALF_WIDTH[kind] * s + 6;
  const margin = KIND_HALF_WIDTH[kind] * s + 4;
  const sides = shuffle(rng, [-1, 1]);
  for (const side of sides) {
    const x = anchor.x + side * gap;
    if (x > margin && x < scene.width - margin) return { x, y };
  }
  return { x: Math.max(margin, Math.min(scene.width - margin, anchor.x + gap)), y };
}

function addOp(source: Scene, kind: ObjectKind, anchor: SceneObject, rng: Rng): EditOp {
  const color: ColorName = pick(rng, KIND_COLORS[kind]);
  const scratch = cloneScene(source);
  const pos = placeNear(scratch, kind, anchor, rng);
  const flip = rng() < 0.5;
  const variant = kind === "tree" ? 2 * randInt(rng, 0, 1) : undefined;
  const noun =
    kind === "ball" || kind === "flower" ? `${colorWord(color)} ${KIND_NOUN[kind]}` : KIND_NOUN[kind];
  const article = /^[aeiou]/.test(noun) ? "an" : "a";
  const where = pick(rng, ["next to", "beside"]);
  const ref = refer(source, anchor);
  const verbs = shuffle(rng, ["Add", "Put", "Place", "Insert"]);
  return {
    instruction: `${verbs[0]} ${article} ${noun} ${where} ${ref}`,
    alt: `${verbs[1]} ${article} ${noun} ${where === "beside" ? "next to" : "beside"} ${ref}`,
    touches: [anchor.id],
    apply: (s) => {
      newObject(s, kind, pos.x, pos.y, color, {
        flip,
        variant,
        accent: kind === "ball" ? "white" : kind === "flower" ? "yellow" : undefined,
      });
    },
  };
}

function planAddition(source: Scene, rng: Rng): EditPlan | null {
  const anchors = source.objects.filter((o) => ["tree", "house", "sign", "car", "bench", "lamp"].includes(o.kind));
  if (anchors.length === 0) return null;
  const anchor = pick(rng, anchors);
  let kinds = ADDABLE.filter((k) => k !== anchor.kind);
  if (anchor.kind === "house" || anchor.kind === "tree") kinds = kinds.filter((k) => k !== "ball" && k !== "flower");
  const kind = pick(rng, kinds);
  return { kind: "object_addition", task: "object", subtask: "Subject Addition", requested: addOp(source, kind, anchor, rng) };
}

// ---- Removal

const REMOVABLE: ObjectKind[] = ["ball", "car", "cat", "dog", "lamp", "bench", "tree"];

function removable(scene: Scene): SceneObject[] {
  return scene.objects.filter(
    (o) => REMOVABLE.includes(o.kind) && (o.kind !== "tree" || objectsOf(scene, "tree").length > 1),
  );
}

function removeOp(source: Scene, target: SceneObject, rng: Rng): EditOp {
  const ref = refer(source, target);
  const fromWhere = target.kind === "car" && source.ground === "street" ? "from the road" : `from the ${groundWord(source.ground)}`;
  const forms = shuffle(rng, [
    `Remove ${ref}`,
    `Remove ${ref} ${fromWhere}`,
    `Take ${ref} out of the picture`,
    `Erase ${ref}`,
    `Get rid of ${ref}`,
  ]);
  return {
    instruction: cap(forms[0]!),
    alt: cap(forms[1]!),
    touches: [target.id],
    apply: (s) => removeId(s, target.id),
  };
}

function planRemoval(source: Scene, rng: Rng): EditPlan | null {
  const candidates = removable(source);
  if (candidates.length === 0) return null;
  const target = pick(rng, candidates);
  const others = shuffle(
    rng,
    candidates.filter((o) => o.id !== target.id),
  ).sort((a, b) => Number(a.kind === target.kind) - Number(b.kind === target.kind));
  return {
    kind: "object_removal",
    task: "object",
    subtask: "Subject Removal",
    requested: removeOp(source, target, rng),
    wrongObject: others[0] ? removeOp(source, others[0], rng) : undefined,
  };
}

// ---- Replacement

const REPLACEMENTS: Partial<Record<ObjectKind, ObjectKind[]>> = {
  cat: ["dog"],
  dog: ["cat"],
  ball: ["cat", "dog", "flower"],
  tree: ["lamp"],
  lamp: ["tree"],
  bench: ["dog", "cat"],
};

function replaceOp(source: Scene, target: SceneObject, newKind: ObjectKind, rng: Rng): EditOp {
  const ref = refer(source, target);
  const color: ColorName = pick(rng, KIND_COLORS[newKind]);
  const noun = newKind === "flower" ? `${colorWord(color)} flower` : KIND_NOUN[newKind];
  const forms = shuffle(rng, [
    `Replace ${ref} with a ${noun}`,
    `Swap ${ref} for a ${noun}`,
    `Turn ${ref} into a ${noun}`,
    `Change ${ref} into a ${noun}`,
  ]);
  const flip = target.flip ?? rng() < 0.5;
  return {
    instruction: cap(forms[0]!),
    alt: cap(forms[1]!),
    touches: [target.id],
    apply: (s) => {
      const old = byId(s, target.id);
      removeId(s, target.id);
      newObject(s, newKind, old.x, old.y, color, {
        flip,
        variant: newKind === "tree" ? 0 : undefined,
        accent: newKind === "flower" ? "yellow" : newKind === "ball" ? "white" : undefined,
      });
    },
  };
}

function planReplacement(source: Scene, rng: Rng): EditPlan | null {
  const candidates = source.objects.filter((o) => REPLACEMENTS[o.kind]);
  if (candidates.length === 0) return null;
  const target = pick(rng, candidates);
  const newKind = pick(rng, REPLACEMENTS[target.kind]!);
  const others = shuffle(
    rng,
    candidates.filter((o) => o.id !== target.id && o.kind !== newKind),
  ).sort((a, b) => Number(a.kind === target.kind) - Number(b.kind === target.kind));
  return {
    kind: "object_replacement",
    task: "object",
    subtask: "Subject Replacement",
    requested: replaceOp(source, target, newKind, rng),
    wrongObject: others[0] ? replaceOp(source, others[0], newKind, rng) : undefined,
  };
}

// ---- Counting

function planCount(source: Scene, rng: Rng): EditPlan | null {
  const flowers = objectsOf(source, "flower");
  const trees = objectsOf(source, "tree");
  if (flowers.length > 0 && rng() < 0.55) {
    const n = randInt(rng, 1, 3);
    const colors = flowers.map((f) => f.color);
    const plural = n === 1 ? "flower" : "flowers";
    const anchorX = flowers.reduce((a, f) => a + f.x, 0) / flowers.length;
    const anchorY = flowers.reduce((a, f) => a + f.y, 0) / flowers.length;
    const scratch = cloneScene(source);
    const spots: { x: number; y: number; color: ColorName }[] = [];
    for (let i = 0; i < n; i++) {
      const p = findSpot(scratch, rng, "flower", [anchorY - 8, anchorY + 10], { x: anchorX, spread: 70 });
      const color = pick(rng, colors);
      newObject(scratch, "flower", p.x, p.y, color, { accent: "yellow" });
      spots.push({ ...p, color });
    }
    const total = flowers.length + n;
    const forms = shuffle(rng, [
      `Add ${NUMBER_WORDS[n]} more ${plural}`,
      `Add ${NUMBER_WORDS[n]} more ${plural} to the ${groundWord(source.ground)}`,
      total <= 5 ? `Make it ${NUMBER_WORDS[total]} flowers` : `Add ${NUMBER_WORDS[n]} more ${plural} next to the others`,
    ]);
    return {
      kind: "count_change",
      task: "attribute",
      subtask: "Counting Change",
      requested: {
        instruction: forms[0]!,
        alt: forms[1]!,
        touches: flowers.map((f) => f.id),
        apply: (s) => {
          for (const p of spots) newObject(s, "flower", p.x, p.y, p.color, { accent: "yellow" });
        },
      },
    };
  }
  const current = trees.length;
  const options = [1, 2, 3, 4].filter((n) => n !== current && Math.abs(n - current) <= 2 && !(n === 1 && current === 0));
  const target = pick(rng, options);
  const scratch = cloneScene(source);
  const added: { x: number; y: number; color: ColorName; variant: number }[] = [];
  const dropped: string[] = [];
  if (target > current) {
    const band = backRow(source);
    for (let i = 0; i < target - current; i++) {
      const p = findSpot(scratch, rng, "tree", [band[0] - 4, band[1] + 14]);
      const color: ColorName = trees[0]?.color ?? "green";
      const variant = trees[0]?.variant ?? 0;
      newObject(scratch, "tree", p.x, p.y, color, { variant });
      added.push({ ...p, color, variant });
    }
  } else {
    dropped.push(...shuffle(rng, trees).slice(0, current - target).map((t) => t.id));
  }
  const word = NUMBER_WORDS[target]!;
  const forms =
    target === 1
      ? shuffle(rng, ["Leave only one tree", "Keep just one tree", "Make it a single tree"])
      : shuffle(rng, [`Make it ${word} trees`, `Change the number of trees to ${word}`, `There should be ${word} trees`]);
  return {
    kind: "count_change",
    task: "attribute",
    subtask: "Counting Change",
    requested: {
      instruction: forms[0]!,
      alt: forms[1]!,
      touches: trees.map((t) => t.id),
      apply: (s) => {
        for (const id of dropped) removeId(s, id);
        for (const p of added) newObject(s, "tree", p.x, p.y, p.color, { variant: p.variant });
      },
    },
  };
}

// ---- Text

function textOp(source: Scene, sign: SceneObject, word: string, rng: Rng): EditOp {
  const ref = refer(source, sign);
  const forms = shuffle(rng, [
    `Change ${ref} to read ${word}`,
    `Make ${ref} say ${word}`,
    `Replace the text on ${ref} with ${word}`,
    `Write ${word} on ${ref} instead of ${sign.text ?? ""}`,
  ]);
  return {
    instruction: cap(forms[0]!),
    alt: cap(forms[1]!),
    touches: [sign.id],
    apply: (s) => {
      byId(s, sign.id).text = word;
    },
  };
}

/** A near miss of a word: two letters swapped or one dropped. */
export function misspell(word: string, rng: Rng): string {
  if (word.length < 3) return word + word.slice(-1);
  for (let attempt = 0; attempt < 10; attempt++) {
    let out: string;
    if (rng() < 0.6) {
      const i = randInt(rng, 1, word.length - 2);
      out = word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
    } else {
      const i = randInt(rng, 1, word.length - 1);
      out = word.slice(0, i) + word.slice(i + 1);
    }
    if (out !== word) return out;
  }
  return word.slice(0, -1);
}

function planText(source: Scene, rng: Rng): EditPlan | null {
  const signs = objectsOf(source, "sign");
  if (signs.length === 0) return null;
  const sign = pick(rng, signs);
  const word = pick(
    rng,
    SIGN_WORDS.filter((w) => w !== sign.text),
  );
  const wrongWord =
    rng() < 0.5 ? misspell(word, rng) : pick(rng, SIGN_WORDS.filter((w) => w !== word && w !== sign.text));
  return {
    kind: "text_edit",
    task: "text",
    subtask: "Text Modification",
    requested: textOp(source, sign, word, rng),
    wrongText: textOp(source, sign, wrongWord, rng),
  };
}

// ---- Tone and background

function planTone(source: Scene, rng: Rng): EditPlan | null {
  type Option = { subtask: string; forms: string[]; apply: (s: Scene) => void };
  const options: Option[] = [];
  if (source.tone !== "dusk") {
    options.push({
      subtask: "Tone Transformation",
      forms: ["Turn the scene into a sunset", "Make it sunset", "Change the time of day to sunset", "Give the scene warm evening light"],
      apply: (s) => {
        s.tone = "dusk";
      },
    });
  }
  if (source.tone !== "overcast") {
    options.push({
      subtask: "Background Change",
      forms: ["Make the sky overcast", "Make it a cloudy, overcast day", "Cover the sky with gray clouds"],
      apply: (s) => {
        s.tone = "overcast";
      },
    });
  }
  if (source.tone !== "day") {
    options.push({
      subtask: "Tone Transformation",
      forms: ["Make it a clear sunny day", "Change the weather to bright sunshine", "Make it daytime with a blue sky"],
      apply: (s) => {
        s.tone = "day";
        s.clouds = s.clouds.slice(0, 2);
      },
    });
  }
  if (source.ground === "grass") {
    options.push({
      subtask: "Background Change",
      forms: ["Replace the grass with a sandy beach", "Turn the lawn into sand by the sea", "Change the ground to a beach"],
      apply: (s) => {
        s.ground = "sand";
      },
    });
  } else if (source.ground === "sand") {
    options.push({
      subtask: "Background Change",
      forms: ["Turn the beach into a grassy meadow", "Replace the sand with green grass", "Change the ground to grass"],
      apply: (s) => {
        s.ground = "grass";
      },
    });
  }
  const opt = pick(rng, options);
  const forms = shuffle(rng, opt.forms);
  return {
    kind: "tone_change",
    task: "global",
    subtask: opt.subtask,
    requested: { instruction: forms[0]!, alt: forms[1]!, touches: [], apply: opt.apply },
  };
}

// ---- Size

const SIZABLE: ObjectKind[] = ["ball", "car", "tree", "dog", "cat", "house"];

function sizeOp(source: Scene, target: SceneObject, bigger: boolean, rng: Rng): EditOp {
  const ref = refer(source, target);
  const word = bigger ? (target.kind === "tree" ? "taller" : "bigger") : "smaller";
  const factor = bigger ? 1.55 : 0.62;
  const forms = shuffle(rng, [
    `Make ${ref} ${word}`,
    `Make ${ref} much ${word}`,
    bigger ? `Enlarge ${ref}` : `Shrink ${ref}`,
    `Increase the size of ${ref}`.replace("Increase", bigger ? "Increase" : "Reduce"),
  ]);
  return {
    instruction: cap(forms[0]!),
    alt: cap(forms[1]!),
    touches: [target.id],
    apply: (s) => {
      const o = byId(s, target.id);
      o.s = Math.round(o.s * factor * 1000) / 1000;
      const margin = KIND_HALF_WIDTH[o.kind] * o.s + 2;
      o.x = Math.max(margin, Math.min(s.width - margin, o.x));
    },
  };
}

function planSize(source: Scene, rng: Rng): EditPlan | null {
  const candidates = source.objects.filter((o) => SIZABLE.includes(o.kind));
  if (candidates.length === 0) return null;
  const target = pick(rng, candidates);
  const bigger = target.kind === "house" || target.kind === "car" ? rng() < 0.4 : rng() < 0.75;
  const others = shuffle(
    rng,
    candidates.filter((o) => o.id !== target.id),
  ).sort((a, b) => Number(a.kind === target.kind) - Number(b.kind === target.kind));
  return {
    kind: "size_change",
    task: "attribute",
    subtask: "Shape-Size Alteration",
    requested: sizeOp(source, target, bigger, rng),
    wrongObject: others[0] ? sizeOp(source, others[0], bigger, rng) : undefined,
  };
}

// ---- Unrequested side changes (for the extra_change flaw)

export function planSideChange(source: Scene, avoid: string[], rng: Rng): EditOp | null {
  const free = source.objects.filter((o) => !avoid.includes(o.id));
  const options: (() => EditOp | null)[] = [
    () => {
      const t = free.filter((o) => o.kind === "house" || o.kind === "car" || o.kind === "ball" || o.kind === "sign");
      if (t.length === 0) return null;
      const target = pick(rng, t);
      const color = pick(rng, PAINTABLE_COLORS[target.kind]!.filter((c) => c !== target.color));
      return colorOp(source, target, color, rng);
    },
    () => {
      const t = free.filter((o) => ["ball", "flower", "lamp", "bench", "cat", "dog"].includes(o.kind));
      if (t.length === 0) return null;
      return removeOp(source, pick(rng, t), rng);
    },
    () => {
      // Front-row anchors only: an unrequested addition should be visible, not tucked behind a house.
      const anchors = free.filter((o) => ["sign", "lamp", "bench", "car"].includes(o.kind));
      if (anchors.length === 0) return null;
      return addOp(source, pick(rng, ["flower", "ball", "cat"] as const), pick(rng, anchors), rng);
    },
  ];
  for (const option of shuffle(rng, options)) {
    const op = option();
    if (op) return op;
  }
  return null;
}

const PLANNERS: Record<EditKind, (source: Scene, rng: Rng) => EditPlan | null> = {
  color_change: planColor,
  object_addition: planAddition,
  object_removal: planRemoval,
  object_replacement: planReplacement,
  count_change: planCount,
  text_edit: planText,
  tone_change: planTone,
  size_change: planSize,
};

export function planEdit(kind: EditKind, source: Scene, rng: Rng): EditPlan | null {
  return PLANNERS[kind](source, rng);
}

export function applyOps(source: Scene, ...ops: EditOp[]): Scene {
  const out = cloneScene(source);
  for (const op of ops) op.apply(out);
  return out;
}
