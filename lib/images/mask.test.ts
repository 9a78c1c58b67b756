import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { editAreaFromTransparency } from "./mask";

const W = 8;
const H = 6;

function rgba(pixel: (x: number, y: number) => [number, number, number, number]): Promise<Buffer> {
  const px = Buffer.alloc(W * H * 4);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) px.set(pixel(x, y), (y * W + x) * 4);
  return sharp(px, { raw: { width: W, height: H, channels: 4 } }).png().toBuffer();
}

const inside = (x: number, y: number) => x >= 2 && x < 5 && y >= 1 && y < 4;

async function grey(png: Buffer): Promise<number[]> {
  const meta = await sharp(png).metadata();
  expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(["png", W, H, 1]);
  const { data } = await sharp(png).toColourspace("b-w").raw().toBuffer({ resolveWithObject: true });
  return Array.from(data);
}

describe("editAreaFromTransparency", () => {
  it("turns a masked image (picture opaque, edit area transparent) into white on black", async () => {
    const masked = await rgba((x, y) => [30 + x * 20, 200 - y * 30, 90, inside(x, y) ? 0 : 255]);
    const area = await editAreaFromTransparency(masked);
    const expected = Array.from({ length: W * H }, (_, i) => (inside(i % W, Math.floor(i / W)) ? 255 : 0));
    expect(await grey(area!)).toEqual(expected);
  });

  it("leaves masks that already mark the edit area white as they are", async () => {
    // Opaque white on black, and a white brush on a transparent canvas.
    expect(await editAreaFromTransparency(await sharp(Buffer.alloc(W * H, 255), { raw: { width: W, height: H, channels: 1 } }).png().toBuffer())).toBeNull();
    expect(await editAreaFromTransparency(await rgba((x, y) => (inside(x, y) ? [255, 255, 255, 255] : [0, 0, 0, 0])))).toBeNull();
    expect(await editAreaFromTransparency(await rgba((x, y) => (inside(x, y) ? [255, 255, 255, 255] : [0, 0, 0, 255])))).toBeNull();
  });

  it("reads a fully transparent masked image as all edit area, and refuses what is no image", async () => {
    expect(await grey((await editAreaFromTransparency(await rgba(() => [0, 0, 0, 0])))!)).toEqual(new Array(W * H).fill(255));
    await expect(editAreaFromTransparency(Buffer.from("not a png"))).rejects.toThrow(/mask file is not a readable image/);
  });
});
