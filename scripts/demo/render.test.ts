import { describe, expect, it } from "vitest";
import sharp from "sharp";
import { generateDemoPairs } from "./generate";
import { renderScene, sceneToSvg } from "./render";

async function raw(buf: Buffer) {
  const { data, info } = await sharp(buf).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, info };
}

/** Fraction of pixels whose largest channel difference exceeds `threshold`. */
async function changedFraction(a: Buffer, b: Buffer, threshold = 24): Promise<number> {
  const [x, y] = await Promise.all([raw(a), raw(b)]);
  expect(x.info.width).toBe(y.info.width);
  let changed = 0;
  const n = x.info.width * x.info.height;
  for (let i = 0; i < n; i++) {
    let d = 0;
    for (let ch = 0; ch < 3; ch++) d = Math.max(d, Math.abs(x.data[i * 3 + ch]! - y.data[i * 3 + ch]!));
    if (d > threshold) changed++;
  }
  return changed / n;
}

const pairs = generateDemoPairs(240, 1);

describe("demo rendering", () => {
  it("renders a self-contained SVG", () => {
    const svg = sceneToSvg(pairs[0]!.source);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).not.toMatch(/href=|https?:\/\/(?!www\.w3\.org)/);
  });

  it("renders source and edited scenes to 512x384 WebP, and a valid colour change is visible", async () => {
    const pair = pairs.find((p) => p.editKind === "color_change" && p.truth.valid)!;
    const [src, edit] = await Promise.all([renderScene(pair.source), renderScene(pair.edited)]);
    for (const buf of [src, edit]) {
      const meta = await sharp(buf).metadata();
      expect(meta.format).toBe("webp");
      expect(meta.width).toBe(512);
      expect(meta.height).toBe(384);
    }
    const frac = await changedFraction(src, edit);
    expect(frac).toBeGreaterThan(0.002);
    expect(frac).toBeLessThan(0.5);
  });

  it("renders a no_edit pair identically or nearly so", async () => {
    const noEdits = pairs.filter((p) => p.truth.flaw === "no_edit").slice(0, 4);
    expect(noEdits.length).toBeGreaterThan(0);
    for (const pair of noEdits) {
      const [src, edit] = await Promise.all([renderScene(pair.source), renderScene(pair.edited)]);
      expect(await changedFraction(src, edit)).toBeLessThan(0.003);
    }
  });

  it("is deterministic: the same scene gives the same bytes", async () => {
    const s = pairs[3]!.source;
    expect((await renderScene(s)).equals(await renderScene(s))).toBe(true);
  });
});
