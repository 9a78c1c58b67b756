// Draws a demo Scene as an SVG and rasterizes it with sharp; no external resources (generic fonts, inline filters).

import sharp from "sharp";
import {
  COLORS,
  KIND_HALF_WIDTH,
  mulberry32,
  randRange,
  roadBand,
  type ColorName,
  type Rng,
  type Scene,
  type SceneObject,
  type Tone,
} from "./scenes";

export const FONT_FAMILY = "DejaVu Sans, Arial, sans-serif";
export const WEBP_QUALITY = 85;

// ---- Colour helpers

function parseHex(hex: string): [number, number, number] {
  const h = hex.replace("#", "");
  return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
}

function toHex([r, g, b]: [number, number, number]): string {
  const c = (v: number) =>
    Math.round(Math.max(0, Math.min(255, v)))
      .toString(16)
      .padStart(2, "0");
  return `#${c(r)}${c(g)}${c(b)}`;
}

/** amount > 0 mixes towards white, < 0 towards black. */
export function shade(hex: string, amount: number): string {
  const rgb = parseHex(hex);
  const target = amount >= 0 ? 255 : 0;
  const t = Math.abs(amount);
  return toHex(rgb.map((v) => v + (target - v) * t) as [number, number, number]);
}

function mix(a: string, b: string, t: number): string {
  const x = parseHex(a);
  const y = parseHex(b);
  return toHex([0, 1, 2].map((i) => x[i]! + (y[i]! - x[i]!) * t) as [number, number, number]);
}

function luminance(hex: string): number {
  const [r, g, b] = parseHex(hex);
  return (0.299 * r + 0.587 * g + 0.114 * b) / 255;
}

const f = (n: number) => (Math.round(n * 100) / 100).toString();

// ---- Palettes per time of day

interface Palette {
  skyTop: string;
  skyMid: string;
  skyBottom: string;
  sun: string | null;
  sunGlow: string;
  cloud: string;
  cloudShade: string;
  hill: string;
  hillFar: string;
  tint: string;
  tintOpacity: number;
  shadowOpacity: number;
  windowGlass: string;
}

const PALETTES: Record<Tone, Palette> = {
  day: {
    skyTop: "#3f7fcf",
    skyMid: "#7db3e6",
    skyBottom: "#d3ebf7",
    sun: "#fff7d1",
    sunGlow: "#fff3b0",
    cloud: "#ffffff",
    cloudShade: "#d9e4ee",
    hill: "#6fa85a",
    hillFar: "#8fb9a4",
    tint: "#fff4d6",
    tintOpacity: 0.04,
    shadowOpacity: 0.3,
    windowGlass: "#a9d3f0",
  },
  dusk: {
    skyTop: "#28295f",
    skyMid: "#a94f7c",
    skyBottom: "#f6a35a",
    sun: "#ffcf6e",
    sunGlow: "#ff9d4a",
    cloud: "#f1a99c",
    cloudShade: "#9b5a78",
    hill: "#5b5a60",
    hillFar: "#7f6a86",
    tint: "#ff7a36",
    tintOpacity: 0.17,
    shadowOpacity: 0.22,
    windowGlass: "#ffd27f",
  },
  overcast: {
    skyTop: "#7a838e",
    skyMid: "#a2a9b1",
    skyBottom: "#cfd3d7",
    sun: null,
    sunGlow: "#ffffff",
    cloud: "#e3e6e9",
    cloudShade: "#a7adb4",
    hill: "#6f8a6a",
    hillFar: "#97a39b",
    tint: "#6d7782",
    tintOpacity: 0.17,
    shadowOpacity: 0.13,
    windowGlass: "#b9c4cc",
  },
};

// ---- SVG assembly

class Defs {
  private items = new Map<string, string>();

  add(id: string, body: string): string {
    if (!this.items.has(id)) this.items.set(id, body);
    return `url(#${id})`;
  }

  /** Vertical gradient, lighter on top: gives flat shapes some volume. */
  lin(hex: string, light = 0.18, dark = -0.18): string {
    const id = `l${hex.slice(1)}_${Math.round(light * 100)}_${Math.round(-dark * 100)}`;
    return this.add(
      id,
      `<linearGradient id="${id}" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${shade(hex, light)}"/><stop offset="1" stop-color="${shade(hex, dark)}"/></linearGradient>`,
    );
  }

  /** Round gradient with a highlight up-left: balls, foliage, heads. */
  rad(hex: string): string {
    const id = `r${hex.slice(1)}`;
    return this.add(
      id,
      `<radialGradient id="${id}" cx="0.35" cy="0.3" r="0.75"><stop offset="0" stop-color="${shade(hex, 0.35)}"/><stop offset="0.55" stop-color="${hex}"/><stop offset="1" stop-color="${shade(hex, -0.35)}"/></radialGradient>`,
    );
  }

  toString(): string {
    return [...this.items.values()].join("");
  }
}

interface Ctx {
  scene: Scene;
  pal: Palette;
  defs: Defs;
}

const c = (name: ColorName) => COLORS[name];

// ---- Sky and ground

function drawSky({ scene, pal, defs }: Ctx): string {
  const out: string[] = [];
  defs.add(
    "sky",
    `<linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${pal.skyTop}"/><stop offset="0.6" stop-color="${pal.skyMid}"/><stop offset="1" stop-color="${pal.skyBottom}"/></linearGradient>`,
  );
  out.push(`<rect x="0" y="0" width="${scene.width}" height="${scene.horizon + 4}" fill="url(#sky)"/>`);
  if (pal.sun) {
    const dusk = scene.tone === "dusk";
    const sx = scene.sun.x;
    const sy = dusk ? scene.horizon - 22 : scene.sun.y;
    const r = dusk ? 30 : 21;
    defs.add(
      "sunglow",
      `<radialGradient id="sunglow"><stop offset="0" stop-color="${pal.sunGlow}" stop-opacity="0.85"/><stop offset="0.35" stop-color="${pal.sunGlow}" stop-opacity="0.35"/><stop offset="1" stop-color="${pal.sunGlow}" stop-opacity="0"/></radialGradient>`,
    );
    out.push(`<circle cx="${f(sx)}" cy="${f(sy)}" r="${r * (dusk ? 4.5 : 3.5)}" fill="url(#sunglow)"/>`);
    out.push(`<circle cx="${f(sx)}" cy="${f(sy)}" r="${r}" fill="${pal.sun}"/>`);
  }
  const clouds = scene.clouds.slice();
  if (scene.tone === "overcast") {
    // A low, heavy cloud deck on top of whatever clouds there were.
    const rng = mulberry32(scene.textureSeed ^ 0x5bd1e995);
    for (let x = -20; x < scene.width + 60; x += randRange(rng, 80, 120)) {
      clouds.push({ x, y: randRange(rng, 8, 40), s: randRange(rng, 1.1, 1.5) });
      if (rng() < 0.5) clouds.push({ x: x + 45, y: randRange(rng, 60, scene.horizon - 60), s: randRange(rng, 0.7, 1.0) });
    }
  }
  const cloudFill = defs.add(
    "cloud",
    `<linearGradient id="cloud" x1="0" y1="0" x2="0" y2="1"><stop offset="0.2" stop-color="${pal.cloud}"/><stop offset="1" stop-color="${pal.cloudShade}"/></linearGradient>`,
  );
  for (const cl of clouds) {
    out.push(
      `<g transform="translate(${f(cl.x)} ${f(cl.y)}) scale(${f(cl.s)})" fill="${cloudFill}" opacity="0.95">` +
        `<ellipse cx="0" cy="6" rx="52" ry="13"/><circle cx="-22" cy="-2" r="17"/><circle cx="4" cy="-10" r="23"/><circle cx="28" cy="0" r="15"/></g>`,
    );
  }
  return out.join("");
}

function drawHills({ scene, pal }: Ctx, rng: Rng): string {
  const h = scene.horizon;
  const layer = (amp: number, color: string, opacity: number, offset: number) => {
    let d = `M0 ${h + 2}`;
    const n = 5;
    const phase = randRange(rng, 0, Math.PI * 2);
    for (let i = 0; i <= 64; i++) {
      const x = (i / 64) * scene.width;
      const y =
        h - offset - amp * (0.5 + 0.5 * Math.sin((i / 64) * Math.PI * n * randRange(rng, 0.35, 0.42) + phase)) * 1;
      d += ` L${f(x)} ${f(y)}`;
    }
    d += ` L${scene.width} ${h + 2} Z`;
    return `<path d="${d}" fill="${color}" opacity="${opacity}"/>`;
  };
  if (scene.ground === "sand") {
    // The sea: a band below the horizon with a few glints.
    const seaTop = scene.tone === "dusk" ? "#5a6a9a" : scene.tone === "overcast" ? "#6f8797" : "#3f86b8";
    const out = [
      `<rect x="0" y="${h}" width="${scene.width}" height="18" fill="${seaTop}"/>`,
      `<rect x="0" y="${h + 12}" width="${scene.width}" height="6" fill="${shade(seaTop, 0.25)}"/>`,
    ];
    for (let i = 0; i < 18; i++) {
      const x = randRange(rng, 0, scene.width);
      const y = randRange(rng, h + 2, h + 12);
      out.push(`<line x1="${f(x)}" y1="${f(y)}" x2="${f(x + randRange(rng, 6, 18))}" y2="${f(y)}" stroke="#ffffff" stroke-opacity="0.45" stroke-width="1"/>`);
    }
    return out.join("");
  }
  return layer(26, pal.hillFar, 0.9, 4) + layer(16, pal.hill, 0.95, -2);
}

function drawGround(ctx: Ctx, rng: Rng): string {
  const { scene, defs } = ctx;
  const h = scene.horizon;
  const out: string[] = [];
  const top = scene.ground === "sand" ? h + 18 : h;
  const [g0, g1] = scene.ground === "sand" ? ["#f3e2ad", "#d8b56f"] : ["#93cc62", "#447f2f"];
  defs.add(
    "ground",
    `<linearGradient id="ground" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${g0}"/><stop offset="1" stop-color="${g1}"/></linearGradient>`,
  );
  out.push(`<rect x="0" y="${top}" width="${scene.width}" height="${scene.height - top}" fill="url(#ground)"/>`);
  if (scene.ground === "sand") {
    for (let i = 0; i < 40; i++) {
      const y = randRange(rng, top + 6, scene.height);
      const depth = (y - h) / (scene.height - h);
      const x = randRange(rng, -20, scene.width);
      const w = 20 + 60 * depth;
      out.push(
        `<path d="M${f(x)} ${f(y)} q${f(w / 2)} ${f(-3 * depth - 1)} ${f(w)} 0" stroke="#b8924f" stroke-opacity="0.35" stroke-width="${f(0.8 + depth)}" fill="none"/>`,
      );
    }
    for (let i = 0; i < 60; i++) {
      const y = randRange(rng, top + 4, scene.height);
      out.push(`<circle cx="${f(randRange(rng, 0, scene.width))}" cy="${f(y)}" r="${f(0.6 + (y - h) / 200)}" fill="#fff8e0" opacity="0.6"/>`);
    }
  } else {
    // Mowing stripes, widening towards the viewer.
    let y = h + 6;
    let k = 0;
    while (y < scene.height) {
      const depth = (y - h) / (scene.height - h);
      const band = 6 + 34 * depth;
      if (k++ % 2 === 0) {
        out.push(`<rect x="0" y="${f(y)}" width="${scene.width}" height="${f(band)}" fill="#ffffff" opacity="0.05"/>`);
      }
      y += band;
    }
    if (scene.ground === "street") {
      const [r0, r1] = roadBand(scene);
      defs.add(
        "asphalt",
        `<linearGradient id="asphalt" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#6b6f75"/><stop offset="1" stop-color="#4b4f55"/></linearGradient>`,
      );
      out.push(`<rect x="0" y="${r0 - 9}" width="${scene.width}" height="9" fill="#cdc6b6"/>`);
      out.push(`<rect x="0" y="${r0 - 1}" width="${scene.width}" height="2" fill="#a39c8c"/>`);
      out.push(`<rect x="0" y="${r0}" width="${scene.width}" height="${r1 - r0}" fill="url(#asphalt)"/>`);
      out.push(`<rect x="0" y="${r1}" width="${scene.width}" height="4" fill="#b9b2a2"/>`);
      const mid = (r0 + r1) / 2;
      for (let x = 8; x < scene.width; x += 44) {
        out.push(`<rect x="${x}" y="${f(mid - 1.5)}" width="24" height="3" fill="#f2efe6" opacity="0.85"/>`);
      }
    }
    // Grass tufts, bigger when nearer; none on the road.
    const [r0, r1] = scene.ground === "street" ? roadBand(scene) : [-1, -1];
    for (let i = 0; i < 170; i++) {
      const y = randRange(rng, h + 6, scene.height + 4);
      if (y > r0 - 12 && y < r1 + 8) continue;
      const x = randRange(rng, 0, scene.width);
      const depth = (y - h) / (scene.height - h);
      const s = 0.6 + 2.2 * depth;
      const col = rng() < 0.5 ? "#3b7a2a" : "#a8d77a";
      out.push(
        `<path d="M${f(x)} ${f(y)} l${f(-2 * s)} ${f(-4 * s)} M${f(x)} ${f(y)} l${f(0.3 * s)} ${f(-5 * s)} M${f(x)} ${f(y)} l${f(2.2 * s)} ${f(-3.8 * s)}" stroke="${col}" stroke-width="${f(0.5 + 0.6 * depth)}" stroke-linecap="round" opacity="0.7" fill="none"/>`,
      );
    }
  }
  return out.join("");
}

// ---- Objects (local coordinates: origin at the base point, y up is negative, facing right)

function drawTree(o: SceneObject, { defs }: Ctx): string {
  const leaf = c(o.color);
  const trunk = `<path d="M-7 0 L-4.5 -52 L4.5 -52 L7 0 Z" fill="${defs.lin("#7a5030", 0.1, -0.25)}"/>`;
  if (o.variant === 1) {
    const dark = shade(leaf, -0.3);
    const tiers: [number, number, number][] = [
      [-18, -80, 36],
      [-46, -104, 29],
      [-74, -128, 21],
    ];
    const parts = tiers
      .map(
        ([base, top, half]) =>
          `<path d="M${-half} ${base} Q0 ${base + 5} ${half} ${base} L0 ${top} Z" fill="${defs.lin(dark, 0.12, -0.2)}"/>` +
          `<path d="M0 ${top} L${half} ${base} Q${half * 0.6} ${base + 2} ${half * 0.15} ${base + 3} Z" fill="#000000" opacity="0.16"/>`,
      )
      .join("");
    return `<path d="M-5 0 L-3.5 -40 L3.5 -40 L5 0 Z" fill="#6a4428"/>${parts}`;
  }
  const tall = o.variant === 2;
  const k = tall ? 1.18 : 1;
  const blobs: [number, number, number][] = [
    [0, -82 * k, 34],
    [-25, -64 * k, 25],
    [25, -63 * k, 26],
    [-13, -104 * k, 23],
    [15, -101 * k, 22],
  ];
  const shadowBlobs = blobs.map(([x, y, r]) => `<circle cx="${x}" cy="${f(y + 4)}" r="${r}" fill="${shade(leaf, -0.4)}"/>`).join("");
  const fill = defs.rad(leaf);
  const mainBlobs = blobs.map(([x, y, r]) => `<circle cx="${x}" cy="${f(y)}" r="${r}" fill="${fill}"/>`).join("");
  const highlights = `<circle cx="-12" cy="${f(-96 * k)}" r="11" fill="${shade(leaf, 0.35)}" opacity="0.35"/><circle cx="-28" cy="${f(-68 * k)}" r="8" fill="${shade(leaf, 0.3)}" opacity="0.3"/>`;
  const trunkTall = tall ? `<path d="M-6 -40 L-4 -62 L4 -62 L6 -40 Z" fill="#6d4529"/>` : "";
  return trunk + trunkTall + shadowBlobs + mainBlobs + highlights;
}

function drawHouse(o: SceneObject, { defs, pal }: Ctx): string {
  const wall = c(o.color);
  const roof = c(o.accent ?? "red");
  const out: string[] = [];
  out.push(`<path d="M58 0 L82 -9 L82 -86 L58 -78 Z" fill="${shade(wall, -0.28)}"/>`);
  out.push(`<rect x="-62" y="-78" width="120" height="78" fill="${defs.lin(wall, 0.12, -0.12)}"/>`);
  out.push(`<rect x="-62" y="-6" width="120" height="6" fill="${shade(wall, -0.35)}" opacity="0.6"/>`);
  if (o.variant === 1) {
    out.push(`<path d="M58 -78 L84 -88 L64 -122 L36 -118 Z" fill="${shade(roof, -0.3)}"/>`);
    out.push(`<path d="M-70 -76 L-38 -120 L38 -120 L66 -76 Z" fill="${defs.lin(roof, 0.15, -0.2)}"/>`);
  } else {
    out.push(`<path d="M58 -78 L82 -86 L24 -130 L0 -128 Z" fill="${shade(roof, -0.32)}"/>`);
    out.push(`<path d="M-72 -75 L0 -130 L66 -75 Z" fill="${defs.lin(roof, 0.15, -0.22)}"/>`);
  }
  out.push(`<rect x="28" y="-130" width="13" height="28" fill="${shade("#9a5b44", 0)}"/><rect x="26" y="-133" width="17" height="5" fill="#6f4030"/>`);
  const door = shade(c(o.accent === "brown" ? "gray" : "brown"), -0.1);
  out.push(`<rect x="-11" y="-42" width="22" height="42" rx="2" fill="${defs.lin(door, 0.1, -0.2)}"/>`);
  out.push(`<circle cx="6" cy="-20" r="1.8" fill="#f0d27a"/>`);
  for (const wx of [-48, 24]) {
    out.push(`<rect x="${wx - 2}" y="-66" width="28" height="26" fill="#ffffff"/>`);
    out.push(`<rect x="${wx}" y="-64" width="24" height="22" fill="${defs.lin(pal.windowGlass, 0.25, -0.15)}"/>`);
    out.push(`<path d="M${wx + 12} -64 V-42 M${wx} -53 H${wx + 24}" stroke="#ffffff" stroke-width="2"/>`);
    out.push(`<path d="M${wx} -64 L${wx + 10} -64 L${wx} -50 Z" fill="#ffffff" opacity="0.3"/>`);
  }
  out.push(`<rect x="-4" y="-4" width="8" height="4" fill="#9c9c9c"/>`);
  return out.join("");
}

function drawCar(o: SceneObject, { defs, pal }: Ctx): string {
  const body = c(o.color);
  const out: string[] = [];
  out.push(
    `<path d="M-56 -12 Q-58 -30 -46 -32 L-30 -33 L-16 -52 Q-14 -54 -10 -54 L20 -54 Q25 -54 28 -51 L42 -34 L52 -32 Q58 -30 58 -18 L58 -12 Z" fill="${defs.lin(body, 0.22, -0.2)}"/>`,
  );
  out.push(`<path d="M-56 -22 L58 -22" stroke="${shade(body, -0.3)}" stroke-width="1.5" opacity="0.7"/>`);
  out.push(`<path d="M-24 -34 L-13 -49 L4 -49 L4 -34 Z" fill="${defs.lin(pal.windowGlass, 0.3, -0.1)}"/>`);
  out.push(`<path d="M8 -34 L8 -49 L20 -49 L34 -34 Z" fill="${defs.lin(pal.windowGlass, 0.3, -0.1)}"/>`);
  out.push(`<path d="M-14 -47 L-8 -47 L-18 -35 L-22 -35 Z" fill="#ffffff" opacity="0.35"/>`);
  out.push(`<rect x="53" y="-29" width="5" height="5" rx="1.5" fill="#fff2b0"/><rect x="-57" y="-29" width="4" height="5" rx="1" fill="#c3302a"/>`);
  out.push(`<rect x="-8" y="-30" width="7" height="2" rx="1" fill="${shade(body, -0.45)}"/>`);
  for (const wx of [-34, 35]) {
    out.push(`<circle cx="${wx}" cy="-11" r="12" fill="#232427"/><circle cx="${wx}" cy="-11" r="5.5" fill="${defs.rad("#b8bcc2")}"/>`);
  }
  return out.join("");
}

function drawBall(o: SceneObject, { defs }: Ctx): string {
  const col = c(o.color);
  const stripe = c(o.accent ?? "white");
  return (
    `<circle cx="0" cy="-15" r="15" fill="${defs.rad(col)}"/>` +
    `<path d="M-14 -20 Q0 -10 14 -20" stroke="${stripe}" stroke-width="3.2" fill="none" opacity="0.9"/>` +
    `<path d="M-12 -8 Q0 -3 12 -8" stroke="${stripe}" stroke-width="2" fill="none" opacity="0.55"/>` +
    `<ellipse cx="-5" cy="-22" rx="4" ry="2.5" fill="#ffffff" opacity="0.55"/>`
  );
}

function drawCat(o: SceneObject, { defs }: Ctx): string {
  const fur = c(o.color);
  const dark = shade(fur, o.color === "black" ? 0.25 : -0.3);
  const fill = defs.rad(fur);
  const eye = o.color === "black" ? "#c9d45a" : "#2d3a1e";
  return (
    `<path d="M-12 -4 Q-30 -6 -28 -22 Q-27 -30 -22 -30" stroke="${dark}" stroke-width="5" fill="none" stroke-linecap="round"/>` +
    `<ellipse cx="0" cy="-18" rx="15" ry="18" fill="${fill}"/>` +
    `<ellipse cx="6" cy="-3" rx="6" ry="3" fill="${shade(fur, 0.2)}"/><ellipse cx="-6" cy="-3" rx="6" ry="3" fill="${shade(fur, 0.1)}"/>` +
    `<path d="M0 -44 L2 -60 L10 -49 Z M12 -49 L20 -60 L21 -44 Z" fill="${dark}"/>` +
    `<path d="M3 -47 L4 -56 L8 -49 Z M14 -49 L19 -56 L19 -47 Z" fill="#f2a8a8" opacity="0.8"/>` +
    `<circle cx="10" cy="-40" r="12" fill="${fill}"/>` +
    `<ellipse cx="6" cy="-42" rx="1.8" ry="2.6" fill="${eye}"/><ellipse cx="14.5" cy="-42" rx="1.8" ry="2.6" fill="${eye}"/>` +
    `<path d="M9 -37 L11.5 -37 L10.2 -35.5 Z" fill="#e07a85"/>` +
    `<path d="M4 -35 L-4 -36 M4 -34 L-4 -32 M16 -35 L24 -36 M16 -34 L24 -32" stroke="${shade(fur, 0.5)}" stroke-width="0.6" opacity="0.8"/>` +
    (o.color === "ginger"
      ? `<path d="M-8 -28 q4 2 8 0 M-10 -20 q5 2 10 0 M-9 -12 q4 2 8 0" stroke="${dark}" stroke-width="1.6" fill="none" opacity="0.6"/>`
      : "")
  );
}

function drawDog(o: SceneObject, { defs }: Ctx): string {
  const fur = c(o.color);
  const dark = shade(fur, o.color === "black" ? 0.2 : -0.35);
  const fill = defs.lin(fur, 0.2, -0.2);
  const legs = [-17, -9, 9, 17]
    .map((x, i) => `<rect x="${x - 3}" y="-18" width="6" height="18" rx="2.5" fill="${i % 2 ? shade(fur, -0.12) : fur}"/>`)
    .join("");
  return (
    `<path d="M-24 -26 Q-34 -38 -30 -46" stroke="${fur}" stroke-width="4.5" fill="none" stroke-linecap="round"/>` +
    legs +
    `<ellipse cx="0" cy="-25" rx="26" ry="12" fill="${fill}"/>` +
    `<ellipse cx="22" cy="-30" rx="7" ry="8" fill="${fur}"/>` +
    `<circle cx="28" cy="-40" r="11" fill="${defs.rad(fur)}"/>` +
    `<ellipse cx="37" cy="-36" rx="8" ry="5.5" fill="${shade(fur, 0.12)}"/>` +
    `<circle cx="44" cy="-37" r="2.6" fill="#1c1c1c"/>` +
    `<path d="M20 -46 Q14 -40 18 -30 Q24 -34 25 -44 Z" fill="${dark}"/>` +
    `<circle cx="31" cy="-43" r="1.8" fill="#1c1c1c"/><circle cx="31.6" cy="-43.6" r="0.6" fill="#ffffff"/>` +
    `<path d="M35 -32 Q38 -30 41 -32" stroke="#3a2a22" stroke-width="0.9" fill="none"/>`
  );
}

function drawFlower(o: SceneObject, { defs }: Ctx): string {
  const petal = c(o.color);
  const centre = o.color === "yellow" ? "#8b5a2b" : c(o.accent ?? "yellow");
  const petals = Array.from({ length: 6 }, (_, i) => {
    const a = (i / 6) * Math.PI * 2;
    return `<circle cx="${f(Math.cos(a) * 6)}" cy="${f(-34 + Math.sin(a) * 6)}" r="5" fill="${defs.rad(petal)}"/>`;
  }).join("");
  return (
    `<path d="M0 0 Q-2 -16 0 -32" stroke="#3c7d2c" stroke-width="2.4" fill="none"/>` +
    `<ellipse cx="-6" cy="-12" rx="6" ry="2.6" transform="rotate(-30 -6 -12)" fill="#4c9a37"/>` +
    `<ellipse cx="6" cy="-18" rx="6" ry="2.6" transform="rotate(30 6 -18)" fill="#3f8a2e"/>` +
    petals +
    `<circle cx="0" cy="-34" r="3.6" fill="${centre}"/>`
  );
}

function drawLamp(o: SceneObject, { scene, defs }: Ctx): string {
  const metal = c(o.color);
  const lit = scene.tone !== "day";
  defs.add(
    "lampglow",
    `<radialGradient id="lampglow"><stop offset="0" stop-color="#ffe9a8" stop-opacity="0.9"/><stop offset="1" stop-color="#ffe9a8" stop-opacity="0"/></radialGradient>`,
  );
  return (
    `<rect x="-7" y="-6" width="14" height="6" rx="1.5" fill="${shade(metal, 0.1)}"/>` +
    `<rect x="-2.6" y="-112" width="5.2" height="108" fill="${defs.lin(metal, 0.25, -0.1)}"/>` +
    `<path d="M-8 -112 L8 -112 L5 -124 L-5 -124 Z" fill="${metal}"/>` +
    `<rect x="-6" y="-124" width="12" height="10" fill="${lit ? "#ffe8a0" : "#e8eef2"}" opacity="0.95"/>` +
    `<path d="M-8 -124 L0 -132 L8 -124 Z" fill="${metal}"/>` +
    (lit ? `<circle cx="0" cy="-119" r="26" fill="url(#lampglow)"/>` : "")
  );
}

function drawSign(o: SceneObject, { defs }: Ctx): string {
  const board = c(o.color);
  const text = o.text ?? "";
  const ink = luminance(board) > 0.6 ? "#26303a" : "#ffffff";
  const size = Math.min(26, 84 / (0.7 * Math.max(1, text.length)));
  const posts = `<rect x="-37" y="-44" width="5" height="44" fill="#6e4a2d"/><rect x="32" y="-44" width="5" height="44" fill="#6e4a2d"/>`;
  const boardRect =
    `<rect x="-46" y="-82" width="92" height="44" rx="4" fill="${shade(board, -0.45)}"/>` +
    `<rect x="-44" y="-80" width="88" height="40" rx="3" fill="${defs.lin(board, 0.12, -0.1)}"/>`;
  const label = `<text x="0" y="${f(-60 + size * 0.36)}" text-anchor="middle" font-family="${FONT_FAMILY}" font-weight="bold" font-size="${f(size)}" fill="${ink}">${escapeXml(text)}</text>`;
  return posts + boardRect + label;
}

function drawBench(o: SceneObject, { defs }: Ctx): string {
  const wood = c(o.color);
  return (
    `<rect x="-34" y="-14" width="4" height="14" fill="#3a3a3a"/><rect x="30" y="-14" width="4" height="14" fill="#3a3a3a"/>` +
    `<rect x="-40" y="-18" width="80" height="6" rx="1.5" fill="${defs.lin(wood, 0.2, -0.15)}"/>` +
    `<rect x="-38" y="-38" width="76" height="6" rx="1.5" fill="${defs.lin(wood, 0.2, -0.15)}"/>` +
    `<rect x="-38" y="-29" width="76" height="6" rx="1.5" fill="${defs.lin(wood, 0.2, -0.15)}"/>` +
    `<rect x="-34" y="-38" width="3" height="22" fill="#3a3a3a"/><rect x="31" y="-38" width="3" height="22" fill="#3a3a3a"/>`
  );
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const DRAW: Record<SceneObject["kind"], (o: SceneObject, ctx: Ctx) => string> = {
  tree: drawTree,
  house: drawHouse,
  car: drawCar,
  ball: drawBall,
  cat: drawCat,
  dog: drawDog,
  flower: drawFlower,
  lamp: drawLamp,
  sign: drawSign,
  bench: drawBench,
};

function drawShadow(o: SceneObject, { scene, pal }: Ctx): string {
  const hw = KIND_HALF_WIDTH[o.kind] * o.s;
  const dusk = scene.tone === "dusk";
  const away = Math.sign(o.x - scene.sun.x) || 1;
  const stretch = dusk ? 1.6 : scene.tone === "overcast" ? 1.0 : 1.15;
  const dx = scene.tone === "overcast" ? 0 : away * hw * (dusk ? 0.55 : 0.2);
  const ry = Math.max(2, (o.kind === "house" ? 9 : 5) * o.s);
  return `<ellipse cx="${f(o.x + dx)}" cy="${f(o.y - 1)}" rx="${f(hw * stretch)}" ry="${f(ry)}" fill="#10200a" opacity="${pal.shadowOpacity}" filter="url(#soft)"/>`;
}

export function sceneToSvg(scene: Scene): string {
  const pal = PALETTES[scene.tone];
  const defs = new Defs();
  const ctx: Ctx = { scene, pal, defs };
  defs.add(
    "soft",
    `<filter id="soft" x="-30%" y="-100%" width="160%" height="300%"><feGaussianBlur stdDeviation="${scene.tone === "overcast" ? 3.5 : 2}"/></filter>`,
  );
  const rng = mulberry32(scene.textureSeed);
  const sky = drawSky(ctx);
  const hills = drawHills(ctx, rng);
  const ground = drawGround(ctx, rng);
  const objects = scene.objects
    .slice()
    .sort((a, b) => a.y - b.y || a.x - b.x)
    .map((o) => {
      const sx = o.flip ? -o.s : o.s;
      return drawShadow(o, ctx) + `<g transform="translate(${f(o.x)} ${f(o.y)}) scale(${f(sx)} ${f(o.s)})">${DRAW[o.kind](o, ctx)}</g>`;
    })
    .join("");
  defs.add(
    "vignette",
    `<radialGradient id="vignette" cx="0.5" cy="0.5" r="0.75"><stop offset="0.6" stop-color="#000000" stop-opacity="0"/><stop offset="1" stop-color="#000000" stop-opacity="0.28"/></radialGradient>`,
  );
  const tint = `<rect width="${scene.width}" height="${scene.height}" fill="${pal.tint}" opacity="${pal.tintOpacity}"/>`;
  const haze =
    scene.tone === "dusk"
      ? `<rect y="${scene.horizon - 40}" width="${scene.width}" height="60" fill="${mix(pal.skyBottom, "#ffffff", 0.2)}" opacity="0.12"/>`
      : "";
  const vignette = `<rect width="${scene.width}" height="${scene.height}" fill="url(#vignette)"/>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${scene.width}" height="${scene.height}" viewBox="0 0 ${scene.width} ${scene.height}">` +
    `<defs>${defs.toString()}</defs>` +
    sky +
    hills +
    ground +
    objects +
    haze +
    tint +
    vignette +
    `</svg>`
  );
}

/** Renders the scene to WebP bytes (scene.width x scene.height, no alpha). */
export async function renderScene(scene: Scene, opts: { format?: "webp" | "png" } = {}): Promise<Buffer> {
  const img = sharp(Buffer.from(sceneToSvg(scene)), { density: 72 })
    .resize(scene.width, scene.height, { fit: "fill" })
    .flatten({ background: "#ffffff" });
  return opts.format === "png" ? img.png().toBuffer() : img.webp({ quality: WEBP_QUALITY }).toBuffer();
}
