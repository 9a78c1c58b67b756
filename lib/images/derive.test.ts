import { crc32, deflateSync } from "node:zlib";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { InvalidImageError } from "./store";
import { CHANGE_THRESHOLD, HEATMAP_LONG_SIDE, PREVIEW_MAX_SIDE, computeChangeMap, makePreview } from "./derive";

const SIZE = 512;
// On the 256 grid the 64x64 block is 32x32 cells. The 3x3 blur and the 2:1 resampling move its
// edge by at most one cell either way, so the measured area lies between 30x30 and 34x34 cells.
const GRID_CELLS = 256 * 256;
const BLOCK_MIN = (30 * 30) / GRID_CELLS;
const BLOCK_MAX = (34 * 34) / GRID_CELLS;

/** A deterministic "photo": gradients plus noise, so SSIM has structure to compare. */
function photoPixels(width: number, height: number): Buffer {
  const px = Buffer.alloc(width * height * 3);
  let seed = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const noise = (seed >>> 24) % 24;
      const i = (y * width + x) * 3;
      px[i] = ((x * 200) / width + noise) & 255;
      px[i + 1] = ((y * 200) / height + noise) & 255;
      px[i + 2] = (((x + y) * 100) / (width + height) + 60 + noise) & 255;
    }
  }
  return px;
}

function paintBlock(px: Buffer, width: number, left: number, top: number, side: number, rgb: [number, number, number]): Buffer {
  const out = Buffer.from(px);
  for (let y = top; y < top + side; y++) {
    for (let x = left; x < left + side; x++) {
      const i = (y * width + x) * 3;
      out[i] = rgb[0];
      out[i + 1] = rgb[1];
      out[i + 2] = rgb[2];
    }
  }
  return out;
}

const encode = (px: Buffer, width: number, height: number, channels: 1 | 3 = 3) => sharp(px, { raw: { width, height, channels } });

function maskPng(width: number, height: number, block: { left: number; top: number; side: number } | "all"): Promise<Buffer> {
  const px = Buffer.alloc(width * height, block === "all" ? 255 : 0);
  if (block !== "all") {
    for (let y = block.top; y < block.top + block.side; y++) px.fill(255, y * width + block.left, y * width + block.left + block.side);
  }
  return encode(px, width, height, 1).png().toBuffer();
}

/** A PNG whose header declares width x height, with no real pixel data behind it. */
function pngDeclaring(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.alloc(16))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

async function rejection(promise: Promise<unknown>): Promise<InvalidImageError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidImageError);
  return err as InvalidImageError;
}

describe("computeChangeMap", () => {
  let base: Buffer;
  let sourceJpeg: Buffer;
  let editedJpeg: Buffer;
  let sourcePng: Buffer;
  let editedPng: Buffer;

  beforeAll(async () => {
    base = photoPixels(SIZE, SIZE);
    const changed = paintBlock(base, SIZE, 128, 128, 64, [250, 20, 200]);
    sourceJpeg = await encode(base, SIZE, SIZE).jpeg({ quality: 90 }).toBuffer();
    editedJpeg = await encode(changed, SIZE, SIZE).jpeg({ quality: 90 }).toBuffer();
    sourcePng = await encode(base, SIZE, SIZE).png().toBuffer();
    editedPng = await encode(changed, SIZE, SIZE).png().toBuffer();
  });

  it("finds no change between identical images", async () => {
    const map = await computeChangeMap(sourceJpeg, sourceJpeg);
    expect(map.changedFraction).toBe(0);
    expect(map.ssim).toBeGreaterThanOrEqual(0.999);
    expect(map.changeOutsideMask).toBeNull();
  });

  it("does not count JPEG re-encoding noise as change", async () => {
    const q75 = await encode(base, SIZE, SIZE).jpeg({ quality: 75 }).toBuffer();
    const map = await computeChangeMap(sourcePng, q75);
    expect(map.changedFraction).toBeLessThan(0.001);
    expect(map.ssim).toBeGreaterThan(0.9);
  });

  it("measures a changed 64x64 block as about its share of the image", async () => {
    for (const [source, edited] of [
      [sourcePng, editedPng],
      [sourceJpeg, editedJpeg],
    ] as const) {
      const map = await computeChangeMap(source, edited);
      expect(map.changedFraction).toBeGreaterThanOrEqual(BLOCK_MIN);
      expect(map.changedFraction).toBeLessThanOrEqual(BLOCK_MAX);
      expect(map.ssim).toBeLessThan(0.99);
      expect(map.ssim).toBeGreaterThan(0.9);
    }
  });

  it("reports change outside a mask", async () => {
    const covering = await maskPng(SIZE, SIZE, { left: 128, top: 128, side: 64 });
    expect((await computeChangeMap(sourceJpeg, editedJpeg, covering)).changeOutsideMask).toBeLessThan(0.0005);

    // The mask sits elsewhere: the whole block is outside it (the mask itself spans 34x34 grown cells).
    const elsewhere = await maskPng(SIZE, SIZE, { left: 320, top: 320, side: 64 });
    const outsideCells = GRID_CELLS - 34 * 34;
    const map = await computeChangeMap(sourceJpeg, editedJpeg, elsewhere);
    expect(map.changeOutsideMask).toBeGreaterThanOrEqual((30 * 30) / outsideCells);
    expect(map.changeOutsideMask).toBeLessThanOrEqual((34 * 34) / outsideCells);

    expect((await computeChangeMap(sourceJpeg, editedJpeg, await maskPng(SIZE, SIZE, "all"))).changeOutsideMask).toBe(0);
    // A mask of another size is stretched onto the grid like the images.
    const small = await maskPng(128, 128, { left: 32, top: 32, side: 16 });
    expect((await computeChangeMap(sourceJpeg, editedJpeg, small)).changeOutsideMask).toBeLessThan(0.0005);
  });

  it("handles source and edited of different sizes, on the edited image's aspect", async () => {
    const stretched = await sharp(sourcePng).resize(1024, 768, { fit: "fill" }).png().toBuffer();
    const map = await computeChangeMap(sourcePng, stretched);
    expect(map.width).toBe(HEATMAP_LONG_SIDE);
    expect(map.height).toBe(384);
    expect(map.changedFraction).toBeLessThan(0.001);
    expect(map.ssim).toBeGreaterThan(0.95);

    const portrait = await sharp(editedPng).resize(300, 600, { fit: "fill" }).jpeg().toBuffer();
    const tall = await computeChangeMap(sourceJpeg, portrait);
    expect([tall.width, tall.height]).toEqual([256, 512]);
    expect(tall.changedFraction).toBeGreaterThan(0.005);
  });

  it("flattens transparency the same way for both images", async () => {
    const rgba = await sharp(sourcePng).ensureAlpha(0.5).png().toBuffer();
    const map = await computeChangeMap(rgba, rgba);
    expect(map.changedFraction).toBe(0);
    const greyscale = await sharp(sourcePng).greyscale().png().toBuffer();
    expect((await computeChangeMap(greyscale, greyscale)).ssim).toBeGreaterThanOrEqual(0.999);
  });

  it("draws the heatmap as a PNG of the expected size, hot where the block changed", async () => {
    const map = await computeChangeMap(sourceJpeg, editedJpeg);
    const { data, info } = await sharp(map.heatmap).raw().toBuffer({ resolveWithObject: true });
    expect((await sharp(map.heatmap).metadata()).format).toBe("png");
    expect([info.width, info.height, map.width, map.height]).toEqual([512, 512, 512, 512]);
    const at = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
    const hot = at(160, 160);
    const calm = at(400, 400);
    // Inside the block the colour map wins; elsewhere it is the dimmed grey source.
    expect(Math.max(...hot)).toBeGreaterThan(200);
    expect(Math.max(...calm)).toBeLessThan(100);
    expect(Math.max(...calm) - Math.min(...calm)).toBeLessThanOrEqual(1);
  });

  it("refuses what is not an image, empty, truncated or too large", async () => {
    expect((await rejection(computeChangeMap(Buffer.from("hello, not an image"), editedJpeg))).message).toMatch(
      /^source file is not an image/,
    );
    expect((await rejection(computeChangeMap(sourceJpeg, Buffer.alloc(0)))).message).toMatch(/^edited file is empty \(0 bytes\)/);
    const truncated = editedJpeg.subarray(0, editedJpeg.length >> 1);
    expect((await rejection(computeChangeMap(truncated, editedJpeg))).message).toMatch(/^source file is truncated or corrupt/);
    expect((await rejection(computeChangeMap(sourceJpeg, editedJpeg, Buffer.from("mask?")))).message).toMatch(/^mask file is not an image/);
    const huge = pngDeclaring(100_000, 100_000);
    expect((await rejection(computeChangeMap(sourceJpeg, huge))).message).toMatch(/^edited file is too large/);
    // For the source only sharp's own limitInputPixels stands guard.
    expect((await rejection(computeChangeMap(huge, editedJpeg))).message).toMatch(/^source file is too large/);
  });

  it("keeps the threshold at a tenth of full scale", () => {
    expect(CHANGE_THRESHOLD).toBe(0.1);
  });
});

describe("makePreview", () => {
  it("returns null for a browser-friendly image within bounds", async () => {
    const png = await encode(photoPixels(SIZE, SIZE), SIZE, SIZE).png().toBuffer();
    expect(await makePreview(png)).toBeNull();
  });

  it("shrinks a large image into a WebP", async () => {
    const wide = await sharp({ create: { width: 3000, height: 1000, channels: 3, background: "#336699" } }).png().toBuffer();
    const preview = await makePreview(wide);
    expect(preview).not.toBeNull();
    expect(preview!.mime).toBe("image/webp");
    expect(preview!.width).toBe(PREVIEW_MAX_SIDE);
    expect(Math.abs(preview!.height - 341)).toBeLessThanOrEqual(1);
    const meta = await sharp(preview!.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["webp", preview!.width, preview!.height]);
  });

  it("converts formats browsers do not show, whatever their size", async () => {
    const tiff = await encode(photoPixels(200, 100), 200, 100).tiff().toBuffer();
    const preview = await makePreview(tiff);
    expect(preview && [preview.width, preview.height]).toEqual([200, 100]);
  });

  it("honours EXIF orientation", async () => {
    // Stored 2000x1000 with a red top-left corner; orientation 6 displays it turned 90° clockwise,
    // so the red corner ends up top-right of a 1000x2000 picture.
    const px = paintBlock(Buffer.alloc(2000 * 1000 * 3, 40), 2000, 0, 0, 400, [255, 0, 0]);
    const jpeg = await encode(px, 2000, 1000).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const preview = await makePreview(jpeg);
    expect(preview && [preview.width, preview.height]).toEqual([512, 1024]);
    const { data, info } = await sharp(preview!.bytes).raw().toBuffer({ resolveWithObject: true });
    const pixel = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
    const [r, g] = pixel(info.width - 20, 20);
    expect(r).toBeGreaterThan(200);
    expect(g).toBeLessThan(60);
    expect(pixel(20, 20)[0]).toBeLessThan(80);
  });

  it("refuses what is not an image, empty or too large", async () => {
    expect((await rejection(makePreview(Buffer.from("GIF? no")))).message).toBe("image file is not an image (unrecognised format)");
    expect((await rejection(makePreview(Buffer.alloc(0)))).message).toMatch(/empty \(0 bytes\)/);
    expect((await rejection(makePreview(pngDeclaring(100_000, 100_000)))).message).toMatch(/too large/);
  });
});
