import "server-only";
import sharp from "sharp";
import { InvalidImageError, MAX_INPUT_PIXELS } from "./store";

// Masks arrive in two conventions. Most mark the edit area white (on black, or a white brush on a
// transparent canvas); MagicBrush ships "masked images", as the OpenAI edits API takes them: the source
// picture, opaque, with the edit area cut out (transparent). Loupe keeps one convention, white = edit
// area, so the change map, the compare view's overlay and the exports read every mask alike.

/** Alpha under this is transparent. */
const TRANSPARENT_BELOW = 128;
/** An opaque pixel whose every channel reaches this is white (a brush stroke, not picture content). */
const WHITE_FROM = 240;

/**
 * The edit area as a greyscale PNG (white = edit, black = keep, at the mask's own resolution) when the mask
 * marks it by transparency; null when the mask already marks it white and is stored as it is. A mask with
 * transparent pixels marks by transparency unless every opaque pixel is white (a brush mask on a
 * transparent canvas, which the change map already reads as white = edit).
 */
export async function editAreaFromTransparency(bytes: Buffer): Promise<Buffer | null> {
  let meta;
  try {
    meta = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  } catch (err) {
    throw new InvalidImageError(`mask file is not a readable image: ${(err as Error).message.trim()}`, { cause: err });
  }
  if (!meta.hasAlpha) return null;
  let decoded;
  try {
    decoded = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).rotate().toColourspace("srgb").ensureAlpha().raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new InvalidImageError(`mask file is not a readable image: ${(err as Error).message.trim()}`, { cause: err });
  }
  const { data, info } = decoded;
  const channels = info.channels;
  const alpha = channels - 1;
  const pixels = info.width * info.height;
  let transparent = 0;
  let opaqueNotWhite = 0;
  for (let i = 0; i < pixels; i++) {
    const o = i * channels;
    if (data[o + alpha]! < TRANSPARENT_BELOW) {
      transparent++;
      continue;
    }
    for (let c = 0; c < alpha; c++) {
      if (data[o + c]! < WHITE_FROM) {
        opaqueNotWhite++;
        break;
      }
    }
  }
  if (transparent === 0) return null;
  // Some opaque pixels are white and none are anything else: a brush mask, white = edit already.
  if (opaqueNotWhite === 0 && transparent < pixels) return null;
  const area = Buffer.alloc(pixels);
  for (let i = 0; i < pixels; i++) area[i] = data[i * channels + alpha]! < TRANSPARENT_BELOW ? 255 : 0;
  return sharp(area, { raw: { width: info.width, height: info.height, channels: 1 } }).toColourspace("b-w").png().toBuffer();
}
