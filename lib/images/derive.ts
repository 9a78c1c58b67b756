import "server-only";
import sharp, { type Metadata, type Sharp } from "sharp";

// libvips caches recent operations and decoded files. Imports see each image once, so the cache only costs
// memory; the content-hash caches in lib/imports do the reuse.
sharp.cache(false);
import { InvalidImageError, MAX_INPUT_PIXELS } from "./store";

export const PREVIEW_MAX_SIDE = 1024;
/** Long side of the grid the change statistics are computed on. */
export const STATS_LONG_SIDE = 256;
export const HEATMAP_LONG_SIDE = 512;
/**
 * A pixel counts as changed when its largest channel difference (blurred, on the statistics grid) exceeds
 * this fraction of full scale: JPEG re-encoding noise falls well under it after downscale and blur, a real
 * edit moves pixels far more. Lower counts compression noise; higher misses subtle recolouring.
 */
export const CHANGE_THRESHOLD = 0.1;
/** The mask grows this many grid pixels first: blur and resampling spread an edit, leaving a ring "outside". */
export const MASK_TOLERANCE_PX = 1;

// Formats every browser shows as they are; anything else (TIFF, HEIF, AVIF, BMP...) gets a WebP.
const BROWSER_FORMATS = new Set<string>(["jpeg", "png", "webp", "gif"]);

export interface Preview {
  bytes: Buffer;
  mime: "image/webp";
  width: number;
  height: number;
}

export interface ChangeMap {
  /** PNG, HEATMAP_LONG_SIDE on its long side, with the edited image's aspect. */
  heatmap: Buffer;
  width: number;
  height: number;
  /** Share of pixels whose difference exceeds CHANGE_THRESHOLD, 0..1. */
  changedFraction: number;
  /** Mean SSIM of the lumas, 1 for identical images. */
  ssim: number;
  /** Share of the pixels outside the mask that changed; null without a mask, 0 when the mask covers everything. */
  changeOutsideMask: number | null;
}

function decoder(bytes: Buffer, what: string): Sharp {
  if (!bytes || bytes.length === 0) throw new InvalidImageError(`${what} is empty (0 bytes), not an image`);
  return sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS });
}

/** Turns sharp's (libvips') errors into InvalidImageError with a message an admin can act on. */
async function decoding<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof InvalidImageError) throw err;
    throw decodeProblem(what, err instanceof Error ? err.message : String(err), err);
  }
}

/** The InvalidImageError for a libvips message about `what` ("source image"), worded for an admin. */
export function decodeProblem(what: string, detail: string, cause?: unknown): InvalidImageError {
  if (/pixel limit/i.test(detail)) {
    return new InvalidImageError(`${what} is too large: more than ${MAX_INPUT_PIXELS} pixels`, { cause });
  }
  if (/unsupported image format/i.test(detail)) {
    return new InvalidImageError(`${what} is not an image (unrecognised format)`, { cause });
  }
  // libvips reports a damaged file either by its own words or, racing its decode threads, only as
  // "Warning treated as error due to failOn setting": both mean the data is corrupt.
  if (/truncat|premature end|unexpected end|not enough data|read error|failOn setting/i.test(detail)) {
    return new InvalidImageError(`${what} is truncated or corrupt: ${detail.trim()}`, { cause });
  }
  return new InvalidImageError(`${what} is not a readable image: ${detail.trim()}`, { cause });
}

/** Size as displayed, i.e. after EXIF orientation; refuses what the pixel limit would refuse on decode. */
function orientedSize(meta: Metadata, what: string): { width: number; height: number } {
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!width || !height) throw new InvalidImageError(`${what} is not a readable image: no size`);
  if (width * height > MAX_INPUT_PIXELS) {
    throw new InvalidImageError(`${what} is too large: ${width}x${height} is more than ${MAX_INPUT_PIXELS} pixels`);
  }
  return { width, height };
}

function fitLongSide(width: number, height: number, side: number): { width: number; height: number } {
  return width >= height
    ? { width: side, height: Math.max(1, Math.round((side * height) / width)) }
    : { width: Math.max(1, Math.round((side * width) / height)), height: side };
}

/** A WebP to show in place of the original (first frame only), or null when the original shows as it is. */
export async function makePreview(bytes: Buffer): Promise<Preview | null> {
  return decoding("image file", async () => {
    const meta = await decoder(bytes, "image file").metadata();
    const size = orientedSize(meta, "image file");
    if (BROWSER_FORMATS.has(meta.format) && size.width <= PREVIEW_MAX_SIDE && size.height <= PREVIEW_MAX_SIDE) return null;
    const { data, info } = await decoder(bytes, "image file")
      .rotate()
      .resize(PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE, { fit: "inside", withoutEnlargement: true })
      .webp({ quality: 82 })
      .toBuffer({ resolveWithObject: true });
    return { bytes: data, mime: "image/webp", width: info.width, height: info.height };
  });
}

/** RGB pixels on the grid. Alpha is flattened onto black for both images so transparency compares equal. */
async function rgbOnGrid(bytes: Buffer, what: string, width: number, height: number): Promise<Uint8Array> {
  return decoding(what, async () => {
    const { data, info } = await decoder(bytes, what)
      .rotate()
      .flatten({ background: "#000000" })
      .removeAlpha()
      .toColourspace("srgb")
      .resize(width, height, { fit: "fill" })
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== width || info.height !== height) {
      throw new InvalidImageError(`${what} decoded to an unexpected layout (${info.width}x${info.height}x${info.channels})`);
    }
    return data;
  });
}

/** 1 where the mask is white (>= 128) or within MASK_TOLERANCE_PX of it; transparent counts as black. */
async function maskOnGrid(bytes: Buffer, width: number, height: number): Promise<Uint8Array> {
  const grey = await decoding("mask file", async () => {
    const { data, info } = await decoder(bytes, "mask file")
      .rotate()
      .flatten({ background: "#000000" })
      .greyscale()
      .resize(width, height, { fit: "fill" })
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    if (info.channels === 1) return data;
    const single = new Uint8Array(width * height);
    for (let i = 0; i < single.length; i++) single[i] = data[i * info.channels]!;
    return single;
  });
  let mask: Uint8Array = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) mask[i] = grey[i]! >= 128 ? 1 : 0;
  for (let r = 0; r < MASK_TOLERANCE_PX; r++) mask = dilate(mask, width, height);
  return mask;
}

function dilate(src: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(src.length);
  for (let y = 0; y < height; y++) {
    const y0 = Math.max(0, y - 1);
    const y1 = Math.min(height - 1, y + 1);
    for (let x = 0; x < width; x++) {
      const x0 = Math.max(0, x - 1);
      const x1 = Math.min(width - 1, x + 1);
      let on = 0;
      for (let yy = y0; yy <= y1 && !on; yy++) {
        for (let xx = x0; xx <= x1; xx++) {
          if (src[yy * width + xx]) {
            on = 1;
            break;
          }
        }
      }
      out[y * width + x] = on;
    }
  }
  return out;
}

/** Largest channel difference after a [1 2 1]² blur (so JPEG noise does not count), ×16 to stay in integers. */
function blurredDifference(a: Uint8Array, b: Uint8Array, width: number, height: number): Uint16Array {
  const stride = width * 3;
  const horizontal = new Int16Array(stride * height);
  for (let row = 0; row < height; row++) {
    const start = row * stride;
    const end = start + stride;
    for (let i = start; i < end; i++) {
      // Edge pixels repeat themselves in place of the missing neighbour.
      const l = i - 3 >= start ? i - 3 : i;
      const r = i + 3 < end ? i + 3 : i;
      horizontal[i] = a[l]! - b[l]! + 2 * (a[i]! - b[i]!) + a[r]! - b[r]!;
    }
  }
  const magnitude = new Uint16Array(width * height);
  for (let row = 0; row < height; row++) {
    const here = row * stride;
    const up = row > 0 ? here - stride : here;
    const down = row < height - 1 ? here + stride : here;
    for (let x = 0, i = here, p = row * width; x < width; x++, i += 3, p++) {
      const o = i - here;
      const r = Math.abs(horizontal[up + o]! + 2 * horizontal[i]! + horizontal[down + o]!);
      const g = Math.abs(horizontal[up + o + 1]! + 2 * horizontal[i + 1]! + horizontal[down + o + 1]!);
      const bl = Math.abs(horizontal[up + o + 2]! + 2 * horizontal[i + 2]! + horizontal[down + o + 2]!);
      magnitude[p] = r > g ? (r > bl ? r : bl) : g > bl ? g : bl;
    }
  }
  return magnitude;
}

/** BT.601 luma in integers, so the window sums below stay exact in doubles. */
function luma(rgb: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0, j = 0; i < n; i++, j += 3) out[i] = (77 * rgb[j]! + 150 * rgb[j + 1]! + 29 * rgb[j + 2]! + 128) >> 8;
  return out;
}

const SSIM_WINDOW = 8;
const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;

/**
 * Mean SSIM (Wang et al. 2004) over the luma with the standard C1/C2, on 8x8 windows sliding one pixel at
 * a time, with population statistics. Box windows from summed-area tables cost a constant per pixel, far
 * cheaper than the 11x11 Gaussian. A grid thinner than 8 pixels uses windows as wide as it is.
 */
function meanSsim(x: Uint8Array, y: Uint8Array, width: number, height: number): number {
  const stride = width + 1;
  const size = stride * (height + 1);
  const sx = new Float64Array(size);
  const sy = new Float64Array(size);
  const sxx = new Float64Array(size);
  const syy = new Float64Array(size);
  const sxy = new Float64Array(size);
  for (let row = 0; row < height; row++) {
    let rx = 0, ry = 0, rxx = 0, ryy = 0, rxy = 0;
    const above = row * stride + 1;
    const here = above + stride;
    for (let col = 0; col < width; col++) {
      const a = x[row * width + col]!;
      const b = y[row * width + col]!;
      rx += a;
      ry += b;
      rxx += a * a;
      ryy += b * b;
      rxy += a * b;
      sx[here + col] = sx[above + col]! + rx;
      sy[here + col] = sy[above + col]! + ry;
      sxx[here + col] = sxx[above + col]! + rxx;
      syy[here + col] = syy[above + col]! + ryy;
      sxy[here + col] = sxy[above + col]! + rxy;
    }
  }
  const win = Math.min(SSIM_WINDOW, width, height);
  const count = win * win;
  const down = win * stride;
  let total = 0;
  for (let top = 0; top + win <= height; top++) {
    for (let left = 0; left + win <= width; left++) {
      const tl = top * stride + left;
      const tr = tl + win;
      const bl = tl + down;
      const br = bl + win;
      const mx = (sx[br]! - sx[bl]! - sx[tr]! + sx[tl]!) / count;
      const my = (sy[br]! - sy[bl]! - sy[tr]! + sy[tl]!) / count;
      const vx = (sxx[br]! - sxx[bl]! - sxx[tr]! + sxx[tl]!) / count - mx * mx;
      const vy = (syy[br]! - syy[bl]! - syy[tr]! + syy[tl]!) / count - my * my;
      const cov = (sxy[br]! - sxy[bl]! - sxy[tr]! + sxy[tl]!) / count - mx * my;
      total += ((2 * mx * my + C1) * (2 * cov + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
    }
  }
  return total / ((width - win + 1) * (height - win + 1));
}

// Inferno, sampled at nine stops; the LUT interpolates between them.
const INFERNO_STOPS = [
  [0, 0, 4],
  [31, 12, 72],
  [85, 15, 109],
  [136, 34, 106],
  [186, 54, 85],
  [227, 89, 51],
  [249, 140, 10],
  [249, 201, 50],
  [252, 255, 164],
] as const;

/** Colour and opacity per difference level (0..255): invisible under half the threshold, opaque from it on. */
const HEAT_LUT = (() => {
  const rgb = new Uint8Array(256 * 3);
  const alpha = new Uint16Array(256);
  const threshold = CHANGE_THRESHOLD * 255;
  for (let m = 0; m < 256; m++) {
    // Start the scale at the purple third of inferno: its near-black end vanishes on a dimmed photo.
    const t = 0.35 + 0.65 * Math.min(1, m / 128);
    const pos = t * (INFERNO_STOPS.length - 1);
    const i = Math.min(INFERNO_STOPS.length - 2, Math.floor(pos));
    const f = pos - i;
    for (let c = 0; c < 3; c++) {
      rgb[m * 3 + c] = Math.round(INFERNO_STOPS[i]![c]! * (1 - f) + INFERNO_STOPS[i + 1]![c]! * f);
    }
    const ramp = Math.min(1, Math.max(0, (m - threshold / 2) / (threshold / 2)));
    alpha[m] = Math.round(ramp * 0.9 * 256);
  }
  return { rgb, alpha };
})();

/** Dims the source to a third of its brightness and blends the coloured difference over it. */
function paintHeatmap(sourceLuma: Uint8Array, magnitude16: Uint16Array, n: number): Uint8Array {
  const out = new Uint8Array(n * 3);
  const { rgb, alpha } = HEAT_LUT;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    const m = Math.min(255, (magnitude16[i]! + 8) >> 4);
    const a = alpha[m]!;
    const bg = (sourceLuma[i]! * 85) >> 8;
    const keep = 256 - a;
    out[j] = (bg * keep + rgb[m * 3]! * a) >> 8;
    out[j + 1] = (bg * keep + rgb[m * 3 + 1]! * a) >> 8;
    out[j + 2] = (bg * keep + rgb[m * 3 + 2]! * a) >> 8;
  }
  return out;
}

/** Where and how much the edit differs, on one grid with its aspect; a mask is white where change was meant. */
export async function computeChangeMap(source: Buffer, edited: Buffer, mask?: Buffer | null): Promise<ChangeMap> {
  const editedSize = await decoding("edited file", async () => orientedSize(await decoder(edited, "edited file").metadata(), "edited file"));
  const grid = fitLongSide(editedSize.width, editedSize.height, STATS_LONG_SIDE);
  const { width, height } = grid;
  const n = width * height;
  const [src, dst, inside] = await Promise.all([
    rgbOnGrid(source, "source file", width, height),
    rgbOnGrid(edited, "edited file", width, height),
    mask ? maskOnGrid(mask, width, height) : Promise.resolve(null),
  ]);

  const magnitude = blurredDifference(src, dst, width, height);
  // The magnitude is scaled by 16 (the blur's weight sum); compare against the scaled threshold.
  const limit = CHANGE_THRESHOLD * 255 * 16;
  let changed = 0;
  let outside = 0;
  let changedOutside = 0;
  for (let i = 0; i < n; i++) {
    const isChanged = magnitude[i]! > limit;
    if (isChanged) changed++;
    if (inside && !inside[i]) {
      outside++;
      if (isChanged) changedOutside++;
    }
  }

  const srcLuma = luma(src, n);
  const ssim = meanSsim(srcLuma, luma(dst, n), width, height);

  const out = fitLongSide(editedSize.width, editedSize.height, HEATMAP_LONG_SIDE);
  const heatmap = await sharp(paintHeatmap(srcLuma, magnitude, n), {
    raw: { width, height, channels: 3 },
    limitInputPixels: MAX_INPUT_PIXELS,
  })
    // Nearest: each statistics cell shows as a crisp block (the numbers' own resolution), and blocks
    // compress smaller and encode faster than a smooth upscale.
    .resize(out.width, out.height, { fit: "fill", kernel: "nearest" })
    .png({ compressionLevel: 3 })
    .toBuffer();

  return {
    heatmap,
    width: out.width,
    height: out.height,
    changedFraction: changed / n,
    ssim,
    changeOutsideMask: inside ? (outside === 0 ? 0 : changedOutside / outside) : null,
  };
}
