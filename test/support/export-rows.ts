import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import type { TExportImage, TExportOptions, TExportRow, TWriterContext } from "@/lib/exports/types";

// Export rows and a small content-addressed image store for the format writers' unit tests.

const tempDirs: string[] = [];

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export async function removeExportTemp(): Promise<void> {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export interface TTestStore {
  root: string;
  imagePath(sha256: string): string;
  /** A real PNG (or JPEG) of one colour, stored by its sha256 like the app's image store. */
  put(rgb: [number, number, number], opts?: { width?: number; height?: number; format?: "png" | "jpeg" }): Promise<TExportImage & { bytes: Buffer }>;
}

export async function makeStore(): Promise<TTestStore> {
  const root = await tempDir("loupe-store-");
  const imagePath = (sha: string) => path.join(root, sha.slice(0, 2), sha);
  return {
    root,
    imagePath,
    async put(rgb, opts = {}) {
      const width = opts.width ?? 4;
      const height = opts.height ?? 3;
      const format = opts.format ?? "png";
      const img = sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } });
      const bytes = await (format === "png" ? img.png() : img.jpeg()).toBuffer();
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      await mkdir(path.dirname(imagePath(sha256)), { recursive: true });
      await writeFile(imagePath(sha256), bytes);
      return { sha256, mime: format === "png" ? "image/png" : "image/jpeg", width, height, bytes };
    },
  };
}

export async function makeContext(store: TTestStore, options: Partial<TExportOptions> = {}, baseName = "export-1-test"): Promise<TWriterContext> {
  const dir = await tempDir("loupe-export-");
  return { dir, baseName, options: { images: "files", validationFraction: 0.1, ...options }, imagePath: store.imagePath };
}

let nextId = 1;

export function makeRow(images: { source: TExportImage; edited: TExportImage; mask?: TExportImage | null }, over: Partial<TExportRow> = {}): TExportRow {
  const id = nextId++;
  const instruction = over.instruction ?? `Make the cup number ${id} blue`;
  return {
    pairId: String(id),
    projectId: 1,
    projectName: "Test project",
    externalId: `ext-${id}`,
    task: "attribute",
    subtask: "color",
    instruction,
    instructionCn: null,
    sourceImage: images.source,
    editedImage: images.edited,
    maskImage: images.mask ?? null,
    finalDecision: "accept",
    finalInstruction: instruction,
    finalReasons: [],
    finalSource: "consensus",
    finalizedAt: "2026-01-02T03:04:05.000Z",
    agreement: 1,
    review: null,
    labels: [],
    verifier: {
      valid: true,
      failureClass: "Normal",
      recaption: null,
      scores: { instruction_following: 3, editing_consistency: 3, generation_quality: 3, overall: 9 },
      keep: true,
      modelVersion: "v1",
    },
    isGold: false,
    metadata: {},
    split: "train",
    ...over,
  };
}

/** Strings a CSV reader must not run as formulas, and ones it must keep exactly. */
export const INJECTION_PAYLOADS = [
  "=cmd|' /C calc'!A0",
  "+1",
  "-1",
  "@SUM(1+1)",
  "\t=1+1",
  "\r=1+1",
  "  =1+1 with leading spaces",
  'He said "make it red", then left',
  "line one\nline two\r\nline three",
  "Ünïcödé ✓ 把杯子变成蓝色 🙂",
  "",
  "'already quoted",
  "trailing space ",
];
