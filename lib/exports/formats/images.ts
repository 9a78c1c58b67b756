import { constants as fsConstants } from "node:fs";
import { copyFile, link, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { TExportImage, TWriterContext } from "../types";

// How the formats carry images. "files": copied once into the export's images/ folder as
// images/<sha256>.<ext> and referenced by that relative path. "embedded": the bytes (Parquet) or a data
// URL (JSONL), which ms-swift, qwen-vl-utils and OpenAI-style readers decode.

export const IMAGES_DIR = "images";

const EXT_BY_MIME: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/webp": "webp",
  "image/gif": "gif",
  "image/avif": "avif",
  "image/heif": "heif",
  "image/tiff": "tiff",
  "image/bmp": "bmp",
};

export function imageExt(mime: string): string {
  return EXT_BY_MIME[mime] ?? "bin";
}

export function imageRelPath(image: TExportImage): string {
  return `${IMAGES_DIR}/${image.sha256}.${imageExt(image.mime)}`;
}

/** The file name alone, which the Hugging Face Image feature keeps beside embedded bytes. */
export function imageFileName(image: TExportImage): string {
  return `${image.sha256}.${imageExt(image.mime)}`;
}

const PLACEHOLDER_RE = /<(image|video|audio)>/g;

// VLM trainers count `<image>` placeholders against the images list and refuse (or misplace) on a mismatch.
export function escapePlaceholders(text: string): string {
  return text.replace(PLACEHOLDER_RE, "[$1]");
}

/** Remembered shas are forgotten past this many, so memory stays flat over millions of images. */
const MAX_REMEMBERED = 50_000;

/** Puts images where a format references them, each sha once: recent ones from memory, older ones by the exclusive copy. */
export class ExportImages {
  private copies = new Map<string, Promise<void>>();
  private dirReady: Promise<string | undefined> | null = null;
  private copied = false;

  constructor(private readonly ctx: TWriterContext) {}

  get wroteFiles(): boolean {
    return this.copied;
  }

  async file(image: TExportImage): Promise<string> {
    const rel = imageRelPath(image);
    let pending = this.copies.get(image.sha256);
    if (!pending) {
      if (this.copies.size >= MAX_REMEMBERED) this.copies.clear();
      pending = this.copyOnce(image, rel);
      this.copies.set(image.sha256, pending);
      // A failed copy must not be remembered as done.
      pending.catch(() => this.copies.delete(image.sha256));
    }
    await pending;
    return rel;
  }

  private async copyOnce(image: TExportImage, rel: string): Promise<void> {
    if (this.ctx.copyImage) {
      this.copied = true;
      let placed: boolean;
      try {
        placed = await this.ctx.copyImage(image.sha256, rel);
      } catch (err) {
        throw new Error(`Cannot copy image ${image.sha256} into the export: ${(err as Error).message}`, { cause: err });
      }
      if (placed) return;
    }
    this.dirReady ??= mkdir(path.join(this.ctx.dir, IMAGES_DIR), { recursive: true });
    await this.dirReady;
    this.copied = true;
    const from = this.ctx.imagePath(image.sha256);
    const to = path.join(this.ctx.dir, rel);
    try {
      // A hard link first: the store is content-addressed and never rewritten, and the export folder
      // sits under the same data folder, so a million-pair export costs no image bytes on disk. The
      // download (a tar) and the CLI's --out copy the bytes out. Where linking is impossible (another
      // file system, no permission) copy, sharing blocks where the file system can (FICLONE).
      await link(from, to).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code === "EEXIST" || err.code === "ENOENT") throw err;
        await copyFile(from, to, fsConstants.COPYFILE_EXCL | fsConstants.COPYFILE_FICLONE);
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") return;
      throw new Error(`Cannot copy image ${image.sha256} into the export: ${(err as Error).message}`, { cause: err });
    }
  }

  async bytes(image: TExportImage): Promise<Buffer> {
    try {
      return (await this.ctx.readImage?.(image.sha256)) ?? (await readFile(this.ctx.imagePath(image.sha256)));
    } catch (err) {
      throw new Error(`Cannot read image ${image.sha256} for the export: ${(err as Error).message}`, { cause: err });
    }
  }

  async dataUrl(image: TExportImage): Promise<string> {
    return `data:${image.mime};base64,${(await this.bytes(image)).toString("base64")}`;
  }

  ref(image: TExportImage): Promise<string> {
    return this.ctx.options.images === "embedded" ? this.dataUrl(image) : this.file(image);
  }

  files(): string[] {
    return this.copied ? [`${IMAGES_DIR}/`] : [];
  }
}

/** Maps rows in order, a chunk at a time, so no more than `width` rows' images are in memory at once. */
export async function inChunks<T, R>(items: readonly T[], width: number, map: (item: T) => Promise<R>, consume: (out: R[]) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += width) {
    const out = await Promise.all(items.slice(i, i + width).map(map));
    await consume(out);
  }
}
