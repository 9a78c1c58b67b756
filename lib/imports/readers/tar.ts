import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { extract } from "tar-stream";
import { ImportFileError, errorMessage } from "./errors";
import { openParts, type TPart } from "./parts";

// The members of a tar or tar.gz (one file or numbered parts), streamed: nothing is unpacked to disk and only
// the member being read is in memory. tar-stream hands members out one at a time and waits until each one's
// body is drained (read or skipped) before parsing the next header.

export interface TTarMember {
  /** The member's path with "./" and leading slashes dropped. */
  name: string;
  size: number;
  /** 0-based position among all members (directories included): how a resumed scan skips. */
  index: number;
  isFile: boolean;
  /** The body, refused past `maxBytes` (the body is then drained). Call at most once. */
  read(maxBytes: number): Promise<Buffer>;
}

export class MemberTooLargeError extends Error {}

export function normalizeMemberName(name: string): string {
  return name.replace(/\\/g, "/").replace(/^(?:\.?\/)+/, "").replace(/\/{2,}/g, "/");
}

/** The stream's first `min` bytes or more (fewer only when it is shorter), and the whole stream again. */
async function peek(stream: Readable, min: number): Promise<{ head: Buffer; rest: Readable }> {
  const it = stream[Symbol.asyncIterator]();
  // A first read can be shorter than the signature (small reads, a tiny first part): gather until it fits.
  const firsts: Buffer[] = [];
  let have = 0;
  while (have < min) {
    const r = await it.next();
    if (r.done) break;
    firsts.push(r.value as Buffer);
    have += (r.value as Buffer).length;
  }
  const head = Buffer.concat(firsts);
  async function* all(): AsyncGenerator<Buffer, void, undefined> {
    if (head.length > 0) yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value as Buffer;
  }
  return { head, rest: Readable.from(all(), { objectMode: false }) };
}

export interface TTarReader {
  members: AsyncGenerator<TTarMember, void, undefined>;
  /** Bytes read from disk so far (compressed, for a tar.gz). */
  bytesRead(): number;
}

/** Members of the archive in `parts` (one part for a plain file); gzip is recognised by its signature. */
export function readTar(parts: TPart[], display: string, opts: { chunkBytes?: number } = {}): TTarReader {
  const source = openParts(parts, opts.chunkBytes);
  const broken = (err: unknown) =>
    err instanceof ImportFileError
      ? err
      : new ImportFileError(`"${display}" cannot be read as a tar archive: ${errorMessage(err)}${parts.length > 1 ? " (are all its parts complete?)" : ""}`, { cause: err });

  async function* members(): AsyncGenerator<TTarMember, void, undefined> {
    const { head, rest } = await peek(source.stream, 2);
    const gzipped = head[0] === 0x1f && head[1] === 0x8b;
    const ex = extract();
    let failure: unknown = null;
    const fail = (err: unknown) => {
      failure ??= err;
      ex.destroy(err as Error);
    };
    rest.on("error", fail);
    const inflated = gzipped ? rest.pipe(createGunzip()) : rest;
    if (gzipped) inflated.on("error", fail);
    // A stream cut short can end the tar parser cleanly at a member boundary before gunzip reports the
    // truncation: the archive is read only once the decompressed stream itself has ended.
    const ended = new Promise<void>((resolve) => {
      inflated.once("end", resolve);
      inflated.once("error", () => resolve());
      inflated.once("close", resolve);
    });
    inflated.pipe(ex as unknown as NodeJS.WritableStream);
    let index = 0;
    try {
      for await (const entry of ex) {
        const header = entry.header;
        let consumed = false;
        const member: TTarMember = {
          name: normalizeMemberName(header.name),
          size: header.size ?? 0,
          index: index++,
          isFile: header.type === "file" || header.type === "contiguous-file",
          async read(maxBytes: number): Promise<Buffer> {
            consumed = true;
            if (member.size > maxBytes) {
              entry.resume();
              throw new MemberTooLargeError(`${member.name} is ${member.size} bytes, over the limit of ${maxBytes}`);
            }
            const chunks: Buffer[] = [];
            try {
              for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
            } catch (err) {
              throw broken(failure ?? err);
            }
            return Buffer.concat(chunks);
          },
        };
        yield member;
        if (!consumed) entry.resume();
      }
      await ended;
    } catch (err) {
      throw broken(failure ?? err);
    } finally {
      rest.destroy();
      source.stream.destroy();
    }
    if (failure) throw broken(failure);
  }

  return { members: members(), bytesRead: source.bytesRead };
}

/** Whether the bytes start a tar (ustar/GNU magic at 257) or a gzip stream (which may hold one). */
export function looksLikeTar(head: Uint8Array): boolean {
  if (head[0] === 0x1f && head[1] === 0x8b) return true;
  return head.length >= 262 && String.fromCharCode(...head.subarray(257, 262)) === "ustar";
}
