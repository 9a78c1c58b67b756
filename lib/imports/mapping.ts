// Turns one raw record into a candidate pair, and helps the admin build the column mapping. Kept free
// of server-only imports: the preview UI uses describeValue, guessMapping and validateMapping too.
import { GOLD_COLUMN_NAMES, normalizeColumnName, scaleEditTask } from "./presets";
import type { TCandidate, TGoldAnswer, TImageRef, TMapResult, TMapping } from "./types";
import type { TVerifierScale } from "../quality/scales";

export const MAX_INSTRUCTION_CHARS = 10_000;
export const MAX_TEXT_CHARS = 10_000;
export const MAX_EXTERNAL_ID_CHARS = 512;
export const MAX_REF_CHARS = 4096;
const DESCRIBE_CHARS = 200;
const REASON_VALUE_CHARS = 60;

/** Thrown inside mapRecord to refuse the row with a reason; never escapes it. */
class RowInvalid {
  constructor(readonly reason: string) {}
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

function isBytes(v: unknown): v is Uint8Array | ArrayBuffer {
  return v instanceof Uint8Array || v instanceof ArrayBuffer;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A JSON-safe copy (bigint, Date, NaN, and NUL that Postgres refuses); bytes dropped or described for display. */
function plain(v: unknown, bytes: "drop" | "describe", depth = 0): unknown {
  if (v === undefined) return undefined;
  if (v === null || typeof v === "boolean") return v;
  if (typeof v === "string") return wellFormed(v.includes("\u0000") ? v.replaceAll("\u0000", "") : v);
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (isBytes(v)) return bytes === "drop" ? undefined : `<binary ${formatBytes(v.byteLength)}>`;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (depth > 16) return null;
  if (ArrayBuffer.isView(v)) return plain(Array.from(v as unknown as ArrayLike<unknown>), bytes, depth + 1);
  if (Array.isArray(v)) return v.map((x) => plain(x, bytes, depth + 1) ?? null);
  if (typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const value = plain(x, bytes, depth + 1);
      if (value !== undefined) out[wellFormed(k.replaceAll("\u0000", ""))] = value;
    }
    return out;
  }
  return undefined;
}

export function describeValue(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return truncate(v, DESCRIBE_CHARS);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  const p = plain(v, "describe");
  if (typeof p === "string") return truncate(p, DESCRIBE_CHARS);
  return truncate(JSON.stringify(p) ?? "", DESCRIBE_CHARS);
}

/** A value quoted for a reason: strings in quotes, everything short. */
function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(truncate(v, REASON_VALUE_CHARS));
  const p = plain(v, "describe");
  if (typeof p === "string") return truncate(p, REASON_VALUE_CHARS);
  return truncate(JSON.stringify(p) ?? String(v), REASON_VALUE_CHARS);
}

const invalid = (column: string, expected: string, got: unknown) =>
  new RowInvalid(`column "${column}": expected ${expected}, got ${show(got)}`);

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Trimmed text or null when empty; numbers count as text (ids, turn indexes). */
function textOf(v: unknown, column: string): string | null {
  let s: string;
  if (v === undefined || v === null) return null;
  if (typeof v === "string") s = v;
  else if (typeof v === "number" || typeof v === "bigint") s = String(v);
  else if (typeof v === "boolean") s = String(v);
  else if (v instanceof Uint8Array) {
    // Parquet writers that omit the string annotation leave text as bytes.
    try {
      s = utf8.decode(v);
    } catch {
      throw invalid(column, "text", v);
    }
  } else throw invalid(column, "text", v);
  if (s.includes("\u0000")) s = s.replaceAll("\u0000", "");
  s = wellFormed(s).trim();
  return s === "" ? null : s;
}

/** Lone UTF-16 surrogates become U+FFFD: Postgres refuses them in text and jsonb, failing a whole batch. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
function wellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, "\uFFFD");
}

function optionalText(values: Record<string, unknown>, column: string | null | undefined, label: string): string | null {
  if (!column) return null;
  const s = textOf(values[column], column);
  if (s !== null && s.length > MAX_TEXT_CHARS) throw new RowInvalid(`column "${column}": the ${label} is longer than ${MAX_TEXT_CHARS} characters`);
  return s;
}

/** The list form of an instruction cell: an array, or a string holding a JSON array of strings. */
function asList(v: unknown): unknown[] | null {
  if (Array.isArray(v)) return v;
  if (typeof v !== "string") return null;
  const t = v.trim();
  if (!t.startsWith("[") || !t.endsWith("]")) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(t);
  } catch {
    return null; // an instruction that happens to be in brackets
  }
  return Array.isArray(parsed) && parsed.every((x) => typeof x === "string") ? parsed : null;
}

const IMAGE_TOKEN = /<image>/gi;

/** LLaVA-style conversations ([{from: "human", value: "<image>\nEdit …"}, {from: "gpt", …}]): the first human turn, image tokens dropped. */
function conversationPrompt(v: unknown): string | null | undefined {
  if (!Array.isArray(v) || v.length === 0 || !v.every((t) => isPlainObject(t) && ("value" in t || "content" in t))) return undefined;
  for (const turn of v as Record<string, unknown>[]) {
    const who = String(turn.from ?? turn.role ?? "").toLowerCase();
    if (who !== "human" && who !== "user") continue;
    const text = turn.value ?? turn.content;
    if (typeof text === "string") return text.replace(IMAGE_TOKEN, " ").replace(/\s+/g, " ").trim() || null;
  }
  return null;
}

function instructionOf(values: Record<string, unknown>, column: string): { text: string; alternatives: string[] } {
  const raw = values[column];
  const prompt = conversationPrompt(raw);
  const v = prompt === undefined ? raw : prompt;
  const list = asList(v);
  const texts = list ? list.map((x) => textOf(x, column)).filter((x): x is string => x !== null) : [textOf(v, column)].filter((x): x is string => x !== null);
  const [text, ...alternatives] = texts;
  if (text === undefined) throw new RowInvalid(`column "${column}": the instruction is missing`);
  if (text.length > MAX_INSTRUCTION_CHARS) throw new RowInvalid(`column "${column}": the instruction is longer than ${MAX_INSTRUCTION_CHARS} characters`);
  return { text, alternatives };
}

function externalIdOf(values: Record<string, unknown>, mapping: TMapping): string | null {
  const columns = typeof mapping.externalId === "string" ? [mapping.externalId] : (mapping.externalId ?? []);
  if (columns.length === 0) return null;
  const parts = columns.map((column) => {
    const s = textOf(values[column], column);
    if (s === null) throw new RowInvalid(`column "${column}": the id is missing`);
    return s;
  });
  const id = parts.join(":");
  if (id.length > MAX_EXTERNAL_ID_CHARS) throw new RowInvalid(`column "${columns.join('", "')}": the id is longer than ${MAX_EXTERNAL_ID_CHARS} characters`);
  return id;
}

const DATA_URL = /^data:[\w.+-]+\/[\w.+-]+;base64,/i;

function base64Bytes(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function refOfString(raw: string, column: string): TImageRef | null {
  const s = raw.trim();
  if (s === "") return null;
  const data = DATA_URL.exec(s);
  if (data) {
    try {
      const bytes = base64Bytes(s.slice(data[0].length));
      return bytes.length > 0 ? { kind: "bytes", bytes } : null;
    } catch {
      throw new RowInvalid(`column "${column}": the data URL is not valid base64`);
    }
  }
  if (s.length > MAX_REF_CHARS) throw new RowInvalid(`column "${column}": the image reference is longer than ${MAX_REF_CHARS} characters`);
  if (s.includes("\u0000")) throw new RowInvalid(`column "${column}": the image path contains a NUL character`);
  if (/^https?:\/\//i.test(s)) return { kind: "url", url: s };
  if (/^s3:\/\//i.test(s)) return { kind: "object", url: s };
  return { kind: "path", path: s };
}

/** Bytes, a {bytes, path} struct (Hugging Face Image), an http(s) URL, a data URL or a path; from a list, element `index`. */
function imageOf(values: Record<string, unknown>, column: string, index: number | null | undefined = null): TImageRef | null {
  let v = values[column];
  if (v === undefined || v === null) return null;
  if (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof Uint8Array))) {
    const list = Array.from(v as ArrayLike<unknown>);
    const k = index ?? 0;
    if (k >= list.length) {
      if (list.length === 0) return null;
      throw new RowInvalid(`column "${column}": the list has ${list.length} element${list.length === 1 ? "" : "s"}, so there is no element ${k}`);
    }
    v = list[k];
    if (v === undefined || v === null) return null;
  }
  if (v instanceof Uint8Array) return v.length > 0 ? { kind: "bytes", bytes: v } : null;
  if (v instanceof ArrayBuffer) return v.byteLength > 0 ? { kind: "bytes", bytes: new Uint8Array(v) } : null;
  if (typeof v === "string") return refOfString(v, column);
  if (isPlainObject(v)) {
    const { bytes, path, url } = v;
    if (bytes instanceof Uint8Array && bytes.length > 0) return { kind: "bytes", bytes };
    if (typeof path === "string" && path.trim() !== "") return refOfString(path, column);
    if (typeof url === "string" && url.trim() !== "") return refOfString(url, column);
    const looksLikeImage = "bytes" in v || "path" in v || "url" in v;
    if (looksLikeImage && (bytes == null || isBytes(bytes)) && (path == null || typeof path === "string")) return null;
  }
  throw invalid(column, "image bytes, a path or a URL", v);
}

function requiredImage(values: Record<string, unknown>, column: string, label: string, index?: number | null): TImageRef {
  const ref = imageOf(values, column, index);
  if (!ref) throw new RowInvalid(`${label} is missing (column "${column}"${index ? `, element ${index}` : ""})`);
  return ref;
}

const SHA256_HEX = /^[0-9a-f]{64}$/i;

/** The source image, or the URL it is fetched from when its column is empty, with the sha256 the download must have. */
function sourceOf(values: Record<string, unknown>, mapping: TMapping): TImageRef {
  const ref = imageOf(values, mapping.source, mapping.sourceIndex);
  if (ref) return ref;
  const urlColumn = mapping.sourceUrl;
  const url = urlColumn ? textOf(values[urlColumn], urlColumn) : null;
  if (!urlColumn || url === null) {
    throw new RowInvalid(
      urlColumn
        ? `source image is missing: no bytes in column "${mapping.source}" and no URL in column "${urlColumn}"`
        : `source image is missing (column "${mapping.source}"${mapping.sourceIndex ? `, element ${mapping.sourceIndex}` : ""})`,
    );
  }
  if (!/^https?:\/\//i.test(url)) throw invalid(urlColumn, "an http(s) URL", values[urlColumn]);
  if (url.length > MAX_REF_CHARS) throw new RowInvalid(`column "${urlColumn}": the URL is longer than ${MAX_REF_CHARS} characters`);
  const shaColumn = mapping.sourceSha256;
  const sha = shaColumn ? textOf(values[shaColumn], shaColumn) : null;
  if (sha === null) return { kind: "url", url };
  if (!SHA256_HEX.test(sha)) throw invalid(shaColumn!, "a sha256 (64 hexadecimal digits)", values[shaColumn!]);
  return { kind: "url", url, sha256: sha.toLowerCase() };
}

/** A relative path under the mapping's path prefix. */
function prefixed(ref: TImageRef | null, mapping: TMapping): TImageRef | null {
  if (!ref || ref.kind !== "path") return ref;
  const prefix = mapping.imagePathPrefix?.trim().replace(/^\/+|\/+$/g, "");
  if (!prefix || ref.path.startsWith("/")) return ref;
  return { kind: "path", path: `${prefix}/${ref.path.replace(/\\/g, "/").replace(/^\.\//, "")}` };
}

/** A relative path as a URL under the mapping's base URL, when it has one. */
function atBaseUrl(ref: TImageRef | null, mapping: TMapping, column: string): TImageRef | null {
  if (!ref || ref.kind !== "path" || !mapping.imageBaseUrl) return ref;
  const base = mapping.imageBaseUrl.endsWith("/") ? mapping.imageBaseUrl : `${mapping.imageBaseUrl}/`;
  try {
    return { kind: "url", url: new URL(ref.path.replace(/\\/g, "/").replace(/^\/+/, ""), base).toString() };
  } catch {
    throw new RowInvalid(`column "${column}": ${show(ref.path)} does not make a URL under ${show(base)}`);
  }
}

/** The id a pair takes from its image's path: the path without its extension. */
function idFromImage(ref: TImageRef, column: string): string {
  const where = ref.kind === "path" ? ref.path : ref.kind === "url" ? new URL(ref.url).pathname.replace(/^\/+/, "") : null;
  if (!where) throw new RowInvalid(`column "${column}": the id comes from the image's path, and this image has none (embedded bytes)`);
  const id = where.replace(/\.[^./]*$/, "");
  if (id.length > MAX_EXTERNAL_ID_CHARS) throw new RowInvalid(`column "${column}": the id taken from the path is longer than ${MAX_EXTERNAL_ID_CHARS} characters`);
  return id;
}

const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

/** A number, null when empty; undefined when the cell holds something else. */
function numberOf(v: unknown): number | null | undefined {
  if (v === undefined || v === null) return null;
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "string") {
    const t = v.trim();
    if (t === "") return null;
    return NUMERIC.test(t) ? Number(t) : undefined;
  }
  return undefined;
}

/** The turn of a multi-turn session: a whole number from 0 (MagicBrush counts from 1; others may from 0). */
function turnOf(values: Record<string, unknown>, column: string | null | undefined): number | null {
  if (!column) return null;
  const n = numberOf(values[column]);
  if (n === null) return null;
  if (n === undefined || !Number.isInteger(n) || n < 0 || n > 2_147_483_647) throw invalid(column, "a whole number from 0 (the turn)", values[column]);
  return n;
}

/**
 * Whether Postgres stores the number in a `real` column: it refuses one that rounds to infinity, or
 * to zero when it is not zero, and the whole batch insert would fail on it.
 */
function fitsReal(n: number): boolean {
  const f = Math.fround(n);
  return Number.isFinite(f) && (f !== 0 || n === 0);
}

function finiteNumber(values: Record<string, unknown>, column: string | null | undefined): number | null {
  if (!column) return null;
  const n = numberOf(values[column]);
  if (n === undefined) throw invalid(column, "a number", values[column]);
  if (n !== null && !fitsReal(n)) throw invalid(column, "a number from 1e-45 to 3.4e38 in size, or 0", values[column]);
  return n;
}

const TRUE_WORDS = new Set(["true", "yes", "1", "y", "t"]);
const FALSE_WORDS = new Set(["false", "no", "0", "n", "f"]);

function booleanOf(values: Record<string, unknown>, column: string | null | undefined): boolean | null {
  if (!column) return null;
  const v = values[column];
  if (v === undefined || v === null) return null;
  if (typeof v === "boolean") return v;
  if (typeof v === "number" || typeof v === "bigint") {
    if (Number(v) === 1) return true;
    if (Number(v) === 0) return false;
  }
  if (typeof v === "string") {
    const t = v.trim().toLowerCase();
    if (t === "") return null;
    if (TRUE_WORDS.has(t)) return true;
    if (FALSE_WORDS.has(t)) return false;
  }
  throw invalid(column, "true/false, yes/no or 1/0", v);
}

const GOLD_DECISIONS = new Set(["accept", "reject", "recaption"]);

/** Reason codes from a list cell, a JSON array in a string, or a string separated by commas, pipes or semicolons. */
function reasonCodesOf(v: unknown, column: string): string[] {
  const list = asList(v);
  let parts: unknown[];
  if (list) parts = list;
  else if (typeof v === "string") parts = v.split(/[,|;]/);
  else if (v === undefined || v === null) parts = [];
  else throw invalid(column, "reason codes (a list, or codes separated by commas)", v);
  const codes = parts.map((p) => textOf(p, column)).filter((c): c is string => c !== null);
  return [...new Set(codes)];
}

/** The row's gold answer or null: gold by its flag or, without a flag column, by an expected decision. */
function goldOf(values: Record<string, unknown>, mapping: TMapping, reasonCodes: ReadonlySet<string> | undefined): TGoldAnswer | null {
  const decisionColumn = mapping.goldDecision ?? null;
  const rawDecision = decisionColumn ? textOf(values[decisionColumn], decisionColumn) : null;
  const flag = mapping.gold ? booleanOf(values, mapping.gold) : null;
  const isGold = mapping.gold ? flag === true : rawDecision !== null;
  if (!isGold) return null;

  if (!decisionColumn) throw new RowInvalid(`column "${mapping.gold}": a gold pair needs its expected decision; map a column to the gold decision`);
  if (rawDecision === null) throw new RowInvalid(`column "${decisionColumn}": a gold pair needs its expected decision (accept, reject or recaption)`);
  const decision = rawDecision.toLowerCase().replace(/[\s_-]+/g, "");
  if (!GOLD_DECISIONS.has(decision)) throw invalid(decisionColumn, "accept, reject or recaption", values[decisionColumn]);

  const reasons = mapping.goldReasons ? reasonCodesOf(values[mapping.goldReasons], mapping.goldReasons) : [];
  if (reasons.length > 0 && decision !== "reject") {
    throw new RowInvalid(`column "${mapping.goldReasons}": expected reasons go with a gold reject, not ${decision}`);
  }
  if (reasonCodes) {
    const unknown = reasons.filter((r) => !reasonCodes.has(r));
    if (unknown.length > 0) {
      throw new RowInvalid(
        `column "${mapping.goldReasons}": ${unknown.map((r) => show(r)).join(", ")} ${unknown.length === 1 ? "is not a reject reason" : "are not reject reasons"} ` +
          `of this project (its codes: ${truncate([...reasonCodes].join(", "), 400)})`,
      );
    }
  }

  let instruction: string | null = null;
  if (decision === "recaption") {
    instruction = optionalText(values, mapping.goldInstruction, "reference re-caption");
    if (instruction === null) {
      throw new RowInvalid(
        mapping.goldInstruction
          ? `column "${mapping.goldInstruction}": a gold re-caption needs its reference instruction`
          : `column "${decisionColumn}": a gold re-caption needs its reference instruction; map a column to the gold instruction`,
      );
    }
  }
  return { decision: decision as TGoldAnswer["decision"], reasons, instruction };
}

export interface TMapContext {
  /** The project's reject reason codes: gold reasons outside them refuse the row. */
  reasonCodes?: ReadonlySet<string>;
  /** The project's declared score columns: a score outside its column's scale refuses the row. */
  scales?: readonly TVerifierScale[];
}

/**
 * The score columns a mapping reads, by declared key: the older ScaleEdit spellings, then `scores`. A key
 * may be read from two columns (the pipeline API's `vs_*` fields and its `scores` object): the first with a value wins.
 */
export function scoreColumns(mapping: TMapping): [string, string][] {
  const legacy: [string, string | null | undefined][] = [
    ["instruction_following", mapping.vsInstructionFollowing],
    ["editing_consistency", mapping.vsEditingConsistency],
    ["generation_quality", mapping.vsGenerationQuality],
    ["overall", mapping.vsOverall],
  ];
  return [
    ...legacy.filter((e): e is [string, string] => !!e[1]),
    ...Object.entries(mapping.scores ?? {}).filter(([, column]) => !!column),
  ];
}

function scoresOf(values: Record<string, unknown>, mapping: TMapping, scales: readonly TVerifierScale[] | undefined): Record<string, number> | null {
  let out: Record<string, number> | null = null;
  for (const [key, column] of scoreColumns(mapping)) {
    if (out && key in out) continue;
    const n = finiteNumber(values, column);
    if (n === null) continue;
    const scale = scales?.find((s) => s.key === key);
    // A score under a key the project does not declare would be stored where no page, rule or export reads it.
    if (scales && !scale) throw new RowInvalid(undeclaredScoreReason(key, column, scales));
    if (scale && (n < scale.min || n > scale.max)) throw invalid(column, `a score from ${scale.min} to ${scale.max} (${scale.label})`, values[column]);
    (out ??= {})[key] = n;
  }
  return out;
}

/** Why a score under an undeclared key is refused: the key, where it came from and the keys the project declares. */
export function undeclaredScoreReason(key: string, column: string | null, scales: readonly TVerifierScale[]): string {
  const declared = scales.length ? scales.map((s) => `"${s.key}"`).join(", ") : "none";
  const from = column === null ? "" : ` (column "${truncate(column, 60)}")`;
  return `the score key "${truncate(key, 60)}"${from} is not declared by this project (declared: ${declared}); declare it in the project's settings or leave it unmapped`;
}

/** The row's own id for reports, or null when it has none or it cannot be read (never throws). */
export function recordIdOf(values: Record<string, unknown>, mapping: TMapping): string | null {
  try {
    const id = externalIdOf(values, mapping);
    if (id !== null || !mapping.externalIdFromImage) return id;
    const edited = mapping.externalIdFromImage === "edited";
    const column = edited ? mapping.edited : mapping.source;
    const ref = prefixed(imageOf(values, column, edited ? mapping.editedIndex : mapping.sourceIndex), mapping);
    return ref ? idFromImage(ref, column) : null;
  } catch (err) {
    if (err instanceof RowInvalid) return null;
    throw err;
  }
}

export function mapRecord(values: Record<string, unknown>, mapping: TMapping, ctx: TMapContext = {}): TMapResult {
  try {
    let externalId = externalIdOf(values, mapping);
    const { text: instruction, alternatives } = instructionOf(values, mapping.instruction);
    const sourceRef = prefixed(sourceOf(values, mapping), mapping)!;
    const editedRef = prefixed(requiredImage(values, mapping.edited, "edited image", mapping.editedIndex), mapping)!;
    // The id comes from the path as the dataset names it, before a base URL turns it into a URL.
    if (externalId === null && mapping.externalIdFromImage) {
      externalId = mapping.externalIdFromImage === "source" ? idFromImage(sourceRef, mapping.source) : idFromImage(editedRef, mapping.edited);
    }
    const source = atBaseUrl(sourceRef, mapping, mapping.source)!;
    const edited = atBaseUrl(editedRef, mapping, mapping.edited)!;
    const mask = mapping.mask ? atBaseUrl(prefixed(imageOf(values, mapping.mask), mapping), mapping, mapping.mask) : null;
    const reference = mapping.reference ? atBaseUrl(prefixed(imageOf(values, mapping.reference), mapping), mapping, mapping.reference) : null;
    const inverseInstruction = optionalText(values, mapping.inverseInstruction, "inverse instruction");
    const sessionId = optionalText(values, mapping.sessionId, "session id");
    if (sessionId !== null && sessionId.length > MAX_EXTERNAL_ID_CHARS) {
      throw new RowInvalid(`column "${mapping.sessionId}": the session id is longer than ${MAX_EXTERNAL_ID_CHARS} characters`);
    }
    const turn = turnOf(values, mapping.turn);
    if (turn !== null && sessionId === null) {
      throw new RowInvalid(`column "${mapping.turn}": a turn needs its session; ${mapping.sessionId ? `column "${mapping.sessionId}" is empty` : "map a column to the session id"}`);
    }

    let task = optionalText(values, mapping.task, "task");
    let subtask = optionalText(values, mapping.subtask, "subtask");
    if (mapping.taskTaxonomy === "scaleedit" && task) {
      const known = scaleEditTask(task);
      if (known) {
        task = known.task;
        subtask ??= known.subtask;
      }
    }

    const metadata: Record<string, unknown> = {};
    for (const column of mapping.metadata ?? []) {
      const value = plain(values[column], "drop");
      if (value !== undefined) metadata[column] = value;
    }
    if (alternatives.length > 0 && !("alternative_instructions" in metadata)) metadata.alternative_instructions = alternatives;

    const candidate: TCandidate = {
      externalId,
      instruction,
      instructionCn: optionalText(values, mapping.instructionCn, "Chinese instruction"),
      task,
      subtask,
      source,
      edited,
      mask,
      reference,
      inverseInstruction,
      sessionId,
      turn,
      scores: scoresOf(values, mapping, ctx.scales),
      verifierValid: booleanOf(values, mapping.verifierValid),
      verifierFailureClass: optionalText(values, mapping.verifierFailureClass, "failure class"),
      verifierRecaption: optionalText(values, mapping.verifierRecaption, "re-caption"),
      modelVersion: optionalText(values, mapping.modelVersion, "model version"),
      metadata,
      gold: goldOf(values, mapping, ctx.reasonCodes),
    };
    return { ok: true, candidate };
  } catch (err) {
    if (err instanceof RowInvalid) return { ok: false, reason: err.reason };
    throw err;
  }
}

type TColumnTarget = Exclude<
  keyof TMapping,
  "scores" | "externalId" | "metadata" | "dedupe" | "taskTaxonomy" | "sourceIndex" | "editedIndex" | "imagePathPrefix" | "imageBaseUrl" | "externalIdFromImage"
>;

const TARGET_LABELS: Record<TColumnTarget, string> = {
  instruction: "the instruction",
  instructionCn: "the Chinese instruction",
  task: "the task",
  subtask: "the subtask",
  source: "the source image",
  edited: "the edited image",
  sourceUrl: "the source image URL",
  sourceSha256: "the source image's sha256",
  mask: "the mask",
  reference: "the reference image",
  inverseInstruction: "the inverse instruction",
  sessionId: "the session id",
  turn: "the turn",
  vsInstructionFollowing: "the instruction-following score",
  vsEditingConsistency: "the editing-consistency score",
  vsGenerationQuality: "the generation-quality score",
  vsOverall: "the overall score",
  verifierValid: "the verifier's valid flag",
  verifierFailureClass: "the verifier's failure class",
  verifierRecaption: "the verifier's re-caption",
  modelVersion: "the verifier version",
  gold: "the gold flag",
  goldDecision: "the gold decision",
  goldReasons: "the gold reasons",
  goldInstruction: "the gold reference re-caption",
};

const REQUIRED: TColumnTarget[] = ["instruction", "source", "edited"];

/** Problems with the mapping itself, as sentences for the admin; empty when it can be used. */
export function validateMapping(mapping: TMapping, columns: string[]): string[] {
  const have = new Set(columns);
  const problems: string[] = [];
  const check = (column: string, label: string) => {
    if (!have.has(column)) problems.push(`Column "${column}" for ${label} is not in the file.`);
  };

  const ids = typeof mapping.externalId === "string" ? [mapping.externalId] : (mapping.externalId ?? []);
  if (ids.length > 4) problems.push("The id can combine at most 4 columns.");
  for (const c of ids) check(c, "the id");

  for (const target of Object.keys(TARGET_LABELS) as TColumnTarget[]) {
    const column = mapping[target];
    if (!column) {
      if (REQUIRED.includes(target)) problems.push(`Choose a column for ${TARGET_LABELS[target]}.`);
      continue;
    }
    check(column, TARGET_LABELS[target]);
  }
  for (const [key, column] of Object.entries(mapping.scores ?? {})) {
    if (column) check(column, `the verifier score "${key}"`);
  }
  if (mapping.sourceSha256 && !mapping.sourceUrl) {
    problems.push("The source image's sha256 checks a download: choose the column of the source image URL too.");
  }
  if (mapping.source && mapping.source === mapping.edited && (mapping.sourceIndex ?? 0) === (mapping.editedIndex ?? 0)) {
    problems.push(`The source and edited images both use the column "${mapping.source}"${mapping.sourceIndex != null || mapping.editedIndex != null ? ` at element ${mapping.sourceIndex ?? 0}` : ""}.`);
  }
  if (mapping.imageBaseUrl && !/^https?:\/\/[^/]+/i.test(mapping.imageBaseUrl)) {
    problems.push(`The image base URL must start with http:// or https:// and name a host, not "${mapping.imageBaseUrl}".`);
  }
  for (const c of mapping.metadata ?? []) {
    if (!have.has(c)) problems.push(`Metadata column "${c}" is not in the file.`);
  }
  return problems;
}

// Likely column names per target, best first, compared as normalizeColumnName makes them.
const GUESSES: Partial<Record<TColumnTarget | "externalId", readonly string[]>> = {
  externalId: ["id", "external_id", "externalid", "pair_id", "sample_id", "uid", "uuid", "key", "image_id", "idx", "__key__"],
  instruction: ["instruction", "edit_instruction", "edit_prompt", "prompt", "prompt_en", "instruction_en", "edited_prompt_list", "edit_text", "edit", "text", "txt", "conversations"],
  instructionCn: ["instruction_cn", "prompt_cn", "instruction_zh", "prompt_zh"],
  task: ["task", "edit_task", "edit_type", "task_type"],
  subtask: ["subtask", "edit_subtask", "sub_task"],
  source: ["source", "source_image", "source_img", "src", "src_img", "src_image", "input_image", "input_images", "image_file", "original_image", "input", "image", "source_path", "open_image_input_url"],
  edited: ["edited", "edited_image", "edited_img", "edit_image", "target", "target_img", "target_image", "output_image", "output_images", "edited_file", "tgt", "output", "result", "edited_path"],
  mask: ["mask", "mask_img", "mask_image", "mask_path"],
  sourceUrl: ["source_image_url"],
  sourceSha256: ["source_image_sha256"],
  reference: ["visual_input", "reference_image", "reference", "ref_image"],
  sessionId: ["session_id", "session", "conversation_id", "dialog_id"],
  turn: ["turn", "turn_index", "turn_id", "round"],
  vsInstructionFollowing: ["instruction_following_score", "vs_instruction_following"],
  vsEditingConsistency: ["editing_consistency_score", "vs_editing_consistency"],
  vsGenerationQuality: ["generation_quality_score", "vs_generation_quality"],
  vsOverall: ["overall_score", "vs_overall", "o_score"],
  verifierValid: ["verifier_valid", "is_valid", "valid"],
  verifierFailureClass: ["verifier_failure_class", "failure_class"],
  verifierRecaption: ["verifier_recaption", "recaption", "re_caption"],
  modelVersion: ["model_version"],
  ...GOLD_COLUMN_NAMES,
};

const normalizeName = normalizeColumnName;
const IMAGE_FIELD_EXT = /\.(jpe?g|png|webp|gif|bmp|tiff?|avif)$/;

/** A first mapping from column names alone; required targets with no likely column stay "" for validateMapping. */
export function guessMapping(columns: string[]): TMapping {
  const byName = new Map<string, string>();
  for (const c of columns) if (!byName.has(normalizeName(c))) byName.set(normalizeName(c), c);
  // WebDataset fields carry their extension (`src.jpg`, `tgt.png`): they also answer to the stem.
  for (const c of columns) {
    const stem = normalizeName(c).replace(IMAGE_FIELD_EXT, "");
    if (stem !== normalizeName(c) && !byName.has(stem)) byName.set(stem, c);
  }
  const used = new Set<string>();
  const pick = (names: readonly string[] | undefined): string | null => {
    for (const n of names ?? []) {
      const c = byName.get(n);
      if (c !== undefined && !used.has(c)) {
        used.add(c);
        return c;
      }
    }
    return null;
  };
  const mapping: TMapping = {
    externalId: pick(GUESSES.externalId),
    instruction: pick(GUESSES.instruction) ?? "",
    instructionCn: pick(GUESSES.instructionCn),
    task: pick(GUESSES.task),
    subtask: pick(GUESSES.subtask),
    source: pick(GUESSES.source) ?? "",
    edited: pick(GUESSES.edited) ?? "",
    sourceUrl: pick(GUESSES.sourceUrl),
    sourceSha256: pick(GUESSES.sourceSha256),
    mask: pick(GUESSES.mask),
    reference: pick(GUESSES.reference),
    sessionId: pick(GUESSES.sessionId),
    turn: pick(GUESSES.turn),
    vsInstructionFollowing: pick(GUESSES.vsInstructionFollowing),
    vsEditingConsistency: pick(GUESSES.vsEditingConsistency),
    vsGenerationQuality: pick(GUESSES.vsGenerationQuality),
    vsOverall: pick(GUESSES.vsOverall),
    verifierValid: pick(GUESSES.verifierValid),
    verifierFailureClass: pick(GUESSES.verifierFailureClass),
    verifierRecaption: pick(GUESSES.verifierRecaption),
    modelVersion: pick(GUESSES.modelVersion),
    gold: pick(GUESSES.gold),
    goldDecision: pick(GUESSES.goldDecision),
    goldReasons: pick(GUESSES.goldReasons),
    goldInstruction: pick(GUESSES.goldInstruction),
    dedupe: "externalId",
  };
  mapping.metadata = columns.filter((c) => !used.has(c));
  return mapping;
}
