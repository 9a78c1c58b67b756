import { createHash } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import sharp from "sharp";
import { checkImage, closeImagePool, imagePoolSize, imagePoolStats } from "./pool";
import { InvalidImageError } from "./store";

const jpeg = (seed: number, width = 96, height = 64) =>
  sharp({ create: { width, height, channels: 3, background: { r: seed % 256, g: (seed * 7) % 256, b: 90 } } }).jpeg().toBuffer();

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

describe("image pool", () => {
  afterAll(() => closeImagePool());

  it("hashes and checks images on worker threads, the answers in the callers' order", async () => {
    const images = await Promise.all(Array.from({ length: 12 }, (_, i) => jpeg(i * 20, 96 + i, 64)));
    // Views into one larger buffer, as a Parquet page hands them out: only the view's bytes count.
    const page = Buffer.concat(images);
    let at = 0;
    const views = images.map((img) => {
      const v = page.subarray(at, at + img.length);
      at += img.length;
      return v;
    });
    const answers = await Promise.all(views.map((v) => checkImage(v)));
    answers.forEach((a, i) => {
      expect(a).toEqual({
        sha256: createHash("sha256").update(images[i]!).digest("hex"),
        width: 96 + i,
        height: 64,
        mime: "image/jpeg",
        byteSize: images[i]!.length,
      });
    });
    // The caller keeps its bytes (only a copy crossed to the worker).
    expect(Buffer.compare(page.subarray(0, images[0]!.length), images[0]!)).toBe(0);
    const stats = imagePoolStats();
    expect(stats.running).toBe(true);
    expect(stats.completed).toBeGreaterThanOrEqual(12);
    expect(stats.inProcess).toBe(0);
    expect(imagePoolSize()).toBeGreaterThanOrEqual(1);
  });

  it("refuses what is not a whole image, with a reason an admin can act on", async () => {
    const good = await jpeg(3, 256, 256);
    const truncated = await rejection(checkImage(good.subarray(0, Math.floor(good.length * 0.6)), "source image"));
    expect(truncated).toBeInstanceOf(InvalidImageError);
    expect(truncated.message).toMatch(/^source image is truncated or corrupt/);
    const text = await rejection(checkImage(Buffer.from("not an image at all"), "edited image"));
    expect(text).toBeInstanceOf(InvalidImageError);
    expect(text.message).toMatch(/^edited image is not an image \(unrecognised format\)/);
    expect((await rejection(checkImage(Buffer.alloc(0), "mask image"))).message).toBe("mask image is empty (0 bytes), not an image");
    // The same bytes again answer the same (a thread remembers what it decoded).
    expect((await checkImage(good)).sha256).toBe(createHash("sha256").update(good).digest("hex"));
    expect((await checkImage(good)).sha256).toBe(createHash("sha256").update(good).digest("hex"));
  });
});
