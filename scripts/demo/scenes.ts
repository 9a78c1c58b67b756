// The demo's scene model: a small outdoor illustration that render.ts draws. Pure, seeded PRNG.

export const SCENE_WIDTH = 512;
export const SCENE_HEIGHT = 384;

export type Rng = () => number;

/** mulberry32: tiny, fast, good enough for pictures; returns floats in [0, 1). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes several integers into one 32-bit seed (so pair i of seed s gets its own stream). */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

export function randInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

export function randRange(rng: Rng, min: number, max: number): number {
  return min + rng() * (max - min);
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new Error("pick from an empty list");
  return items[Math.floor(rng() * items.length)] as T;
}

export function shuffle<T>(rng: Rng, items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

// ---- Colours (named, so instructions can say them)

export const COLORS = {
  red: "#d43d33",
  blue: "#2f6cc9",
  yellow: "#f0c230",
  green: "#3f9a4c",
  orange: "#ec8a2b",
  purple: "#8750bf",
  pink: "#ec82b1",
  white: "#f3f1ea",
  black: "#2e2f33",
  brown: "#8b5a35",
  gray: "#8e9399",
  teal: "#2a9a96",
  cream: "#eedfbd",
  ginger: "#d9822b",
} as const;

export type ColorName = keyof typeof COLORS;

/** Colours each kind may take (first ones are the most common). */
export const KIND_COLORS = {
  tree: ["green", "green", "green", "orange"],
  house: ["cream", "white", "yellow", "blue", "pink", "gray", "green", "red"],
  car: ["red", "blue", "yellow", "white", "black", "green", "orange", "teal", "gray"],
  ball: ["red", "blue", "yellow", "orange", "purple", "pink", "green"],
  cat: ["ginger", "gray", "black", "white"],
  dog: ["brown", "white", "black", "cream"],
  flower: ["red", "yellow", "pink", "purple", "white", "orange"],
  lamp: ["black"],
  sign: ["white", "green", "blue", "red", "yellow"],
  bench: ["brown"],
} as const satisfies Record<string, readonly ColorName[]>;

/** Colours an edit may paint each kind (what "Make the car red" can ask for). */
export const PAINTABLE_COLORS: Partial<Record<ObjectKind, readonly ColorName[]>> = {
  car: ["red", "blue", "yellow", "white", "black", "green", "orange", "teal"],
  house: ["white", "yellow", "blue", "pink", "green", "red", "gray"],
  ball: ["red", "blue", "yellow", "orange", "purple", "pink", "green"],
  sign: ["white", "green", "blue", "red", "yellow"],
};

export type Tone = "day" | "dusk" | "overcast";
export type GroundKind = "grass" | "sand" | "street";
export type ObjectKind = "tree" | "house" | "car" | "ball" | "cat" | "dog" | "flower" | "lamp" | "sign" | "bench";

export interface SceneObject {
  id: string;
  kind: ObjectKind;
  /** Base point (where it touches the ground), in pixels. */
  x: number;
  y: number;
  /** Size factor (perspective times the object's own size). */
  s: number;
  color: ColorName;
  /** Secondary colour: roof of a house, stripe of a ball, petals centre, ... */
  accent?: ColorName;
  text?: string;
  /** Mirror horizontally (cars and animals facing left). */
  flip?: boolean;
  /** Shape variant (round or pointed tree, ...). */
  variant?: number;
}

export interface Cloud {
  x: number;
  y: number;
  s: number;
}

export interface Scene {
  width: number;
  height: number;
  /** y of the horizon line. */
  horizon: number;
  tone: Tone;
  ground: GroundKind;
  sun: { x: number; y: number };
  clouds: Cloud[];
  /** Seeds grass tufts, ripples, hills: the same seed draws the same texture in source and edit. */
  textureSeed: number;
  objects: SceneObject[];
  nextId: number;
}

export const SIGN_WORDS = ["OPEN", "CAFE", "SALE", "PARK", "EXIT", "HOTEL", "BAKERY", "BOOKS", "PIZZA", "CLOSED"] as const;

export const KIND_NOUN: Record<ObjectKind, string> = {
  tree: "tree",
  house: "house",
  car: "car",
  ball: "ball",
  cat: "cat",
  dog: "dog",
  flower: "flower",
  lamp: "lamp post",
  sign: "sign",
  bench: "bench",
};

export function cloneScene(scene: Scene): Scene {
  return structuredClone(scene);
}

/** Perspective: things lower in the frame are nearer and bigger. */
export function depthScale(scene: Pick<Scene, "horizon" | "height">, y: number): number {
  const t = Math.max(0, Math.min(1, (y - scene.horizon) / (scene.height - scene.horizon)));
  return 0.45 + 0.95 * t;
}

/** Base size of each kind relative to depthScale (a house is bigger than a ball). */
export const KIND_SIZE: Record<ObjectKind, number> = {
  tree: 1.05,
  house: 1.0,
  car: 0.95,
  ball: 0.9,
  cat: 0.85,
  dog: 0.85,
  flower: 0.8,
  lamp: 0.95,
  sign: 0.85,
  bench: 0.85,
};

/** Rough half-width of each kind at s = 1, for spacing and "next to" placement. */
export const KIND_HALF_WIDTH: Record<ObjectKind, number> = {
  tree: 38,
  house: 70,
  car: 58,
  ball: 15,
  cat: 24,
  dog: 42,
  flower: 10,
  lamp: 12,
  sign: 48,
  bench: 40,
};

export function newObject(
  scene: Scene,
  kind: ObjectKind,
  x: number,
  y: number,
  color: ColorName,
  extra: Partial<Omit<SceneObject, "id" | "kind" | "x" | "y" | "color">> = {},
): SceneObject {
  const obj: SceneObject = {
    id: `o${scene.nextId++}`,
    kind,
    x: Math.round(x * 10) / 10,
    y: Math.round(y * 10) / 10,
    s: Math.round(depthScale(scene, y) * KIND_SIZE[kind] * 1000) / 1000,
    color,
    ...extra,
  };
  scene.objects.push(obj);
  return obj;
}

export function objectsOf(scene: Scene, kind: ObjectKind): SceneObject[] {
  return scene.objects.filter((o) => o.kind === kind);
}

/** Vertical band for the back row (houses, trees) and the foreground (everything small). */
export function backRow(scene: Scene): [number, number] {
  return [scene.horizon + 18, scene.horizon + 42];
}

export function roadBand(scene: Scene): [number, number] {
  return [scene.horizon + 52, scene.horizon + 92];
}

export function frontRow(scene: Scene): [number, number] {
  const top = scene.ground === "street" ? roadBand(scene)[1] + 14 : scene.horizon + 70;
  return [top, scene.height - 12];
}

function overlaps(scene: Scene, kind: ObjectKind, x: number, y: number, pad = 6): boolean {
  const hw = KIND_HALF_WIDTH[kind] * depthScale(scene, y) * KIND_SIZE[kind];
  return scene.objects.some((o) => {
    const ohw = KIND_HALF_WIDTH[o.kind] * o.s;
    const sameDepth = Math.abs(o.y - y) < 40;
    return sameDepth && Math.abs(o.x - x) < hw + ohw + pad;
  });
}

/** Finds a free spot in a band; falls back to the least crowded spot tried. */
export function findSpot(
  scene: Scene,
  rng: Rng,
  kind: ObjectKind,
  band: [number, number],
  near?: { x: number; spread: number },
): { x: number; y: number } {
  let best: { x: number; y: number } | null = null;
  for (let attempt = 0; attempt < 40; attempt++) {
    const y = randRange(rng, band[0], band[1]);
    const margin = KIND_HALF_WIDTH[kind] * depthScale(scene, y) * KIND_SIZE[kind] + 4;
    let x = near ? near.x + randRange(rng, -near.spread, near.spread) : randRange(rng, margin, scene.width - margin);
    x = Math.max(margin, Math.min(scene.width - margin, x));
    best ??= { x, y };
    if (!overlaps(scene, kind, x, y)) return { x, y };
  }
  return best!;
}

/** A random scene. The content mix guarantees every edit kind has something to act on. */
export function randomScene(rng: Rng): Scene {
  const horizon = randInt(rng, 176, 206);
  const toneRoll = rng();
  const tone: Tone = toneRoll < 0.62 ? "day" : toneRoll < 0.82 ? "overcast" : "dusk";
  const groundRoll = rng();
  const ground: GroundKind = groundRoll < 0.45 ? "grass" : groundRoll < 0.8 ? "street" : "sand";
  const scene: Scene = {
    width: SCENE_WIDTH,
    height: SCENE_HEIGHT,
    horizon,
    tone,
    ground,
    sun: { x: randRange(rng, 60, 450), y: randRange(rng, 40, 90) },
    clouds: [],
    textureSeed: randInt(rng, 1, 2 ** 31 - 1),
    objects: [],
    nextId: 1,
  };
  const nClouds = randInt(rng, 2, 4);
  for (let i = 0; i < nClouds; i++) {
    scene.clouds.push({ x: randRange(rng, 30, 480), y: randRange(rng, 30, horizon - 70), s: randRange(rng, 0.7, 1.3) });
  }

  // Back row: houses and trees (beach: palm-less, so fewer houses and more open space).
  const back = backRow(scene);
  const nHouses = ground === "sand" ? randInt(rng, 0, 1) : randInt(rng, 1, 2);
  for (let i = 0; i < nHouses; i++) {
    const p = findSpot(scene, rng, "house", back);
    newObject(scene, "house", p.x, p.y, pick(rng, KIND_COLORS.house), {
      accent: pick(rng, ["red", "brown", "gray", "blue"] as const),
      variant: randInt(rng, 0, 1),
    });
  }
  const nTrees = randInt(rng, 1, 3);
  for (let i = 0; i < nTrees; i++) {
    const p = findSpot(scene, rng, "tree", [back[0] - 4, back[1] + 14]);
    const color = pick(rng, KIND_COLORS.tree);
    newObject(scene, "tree", p.x, p.y, color, { variant: color === "orange" ? 2 * randInt(rng, 0, 1) : randInt(rng, 0, 2) });
  }

  // A car: on the road in street scenes, parked on grass or sand otherwise (not always).
  if (ground === "street" || rng() < 0.55) {
    const band: [number, number] =
      ground === "street" ? [roadBand(scene)[1] - 8, roadBand(scene)[1] - 4] : frontRow(scene);
    const p = findSpot(scene, rng, "car", band);
    newObject(scene, "car", p.x, p.y, pick(rng, KIND_COLORS.car), { flip: rng() < 0.5 });
  }

  const front = frontRow(scene);
  // The sign: always there, so text edits have something to act on.
  {
    const p = findSpot(scene, rng, "sign", [front[0], front[0] + (front[1] - front[0]) * 0.5]);
    newObject(scene, "sign", p.x, p.y, pick(rng, KIND_COLORS.sign), { text: pick(rng, SIGN_WORDS) });
  }
  if (ground !== "sand" && rng() < 0.6) {
    const p = findSpot(scene, rng, "lamp", [front[0] - 6, front[0] + 20]);
    newObject(scene, "lamp", p.x, p.y, "black");
  }
  if (rng() < 0.8) {
    const p = findSpot(scene, rng, "ball", front);
    newObject(scene, "ball", p.x, p.y, pick(rng, KIND_COLORS.ball), { accent: "white" });
  }
  const animal = rng();
  if (animal < 0.45) {
    const p = findSpot(scene, rng, "cat", front);
    newObject(scene, "cat", p.x, p.y, pick(rng, KIND_COLORS.cat), { flip: rng() < 0.5 });
  } else if (animal < 0.85) {
    const p = findSpot(scene, rng, "dog", front);
    newObject(scene, "dog", p.x, p.y, pick(rng, KIND_COLORS.dog), { flip: rng() < 0.5 });
  }
  if (ground !== "sand" && rng() < 0.25) {
    const p = findSpot(scene, rng, "bench", [front[0], front[0] + 30]);
    newObject(scene, "bench", p.x, p.y, "brown");
  }
  if (ground !== "sand" || rng() < 0.4) {
    const nFlowers = randInt(rng, 1, 4);
    const cx = randRange(rng, 60, 450);
    const fy = randRange(rng, front[0] + 20, front[1] - 10);
    for (let i = 0; i < nFlowers; i++) {
      const p = findSpot(scene, rng, "flower", [fy - 10, fy + 12], { x: cx, spread: 50 });
      newObject(scene, "flower", p.x, p.y, pick(rng, KIND_COLORS.flower), { accent: "yellow" });
    }
  }
  return scene;
}

// ---- Referring to objects in words

function ordinal(n: number): string {
  return ["first", "second", "third", "fourth", "fifth", "sixth"][n] ?? `${n + 1}th`;
}

/** Short, unambiguous noun phrase for an object in its scene: "the car", "the red car", "the tree on the left". */
export function refer(scene: Scene, obj: SceneObject): string {
  const noun = KIND_NOUN[obj.kind];
  const same = objectsOf(scene, obj.kind);
  if (same.length <= 1) return `the ${noun}`;
  if (obj.kind !== "tree" && same.filter((o) => o.color === obj.color).length === 1) {
    return `the ${colorWord(obj.color)} ${noun}`;
  }
  const sorted = same.slice().sort((a, b) => a.x - b.x);
  const i = sorted.findIndex((o) => o.id === obj.id);
  if (i === 0) return `the ${noun} on the left`;
  if (i === sorted.length - 1) return `the ${noun} on the right`;
  if (sorted.length === 3) return `the middle ${noun}`;
  return `the ${ordinal(i)} ${noun} from the left`;
}

export function colorWord(c: ColorName): string {
  return c === "ginger" ? "ginger" : c;
}

export function groundWord(ground: GroundKind): string {
  return ground === "sand" ? "sand" : "grass";
}
