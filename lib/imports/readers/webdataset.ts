import path from "node:path";
import type { TRawRecord } from "../types";
import { MemberTooLargeError, readTar, type TTarMember } from "./tar";
import { displayNameOf, recordStream, type TReadOptions, type TRecordStream } from "./stream";

// WebDataset shards: a tar whose members sharing a key make one sample. The key is the member name up to the
// first dot after its last slash (`shard/0001.src.jpg` → key `shard/0001`, field `src.jpg`), and a sample's
// members are consecutive. A sample becomes one record: `__key__`, one field per member (bytes, or text for
// the text extensions), and the keys of its `json` member merged in.

/** Members above this size are reported instead of being held in memory. */
export const MAX_SAMPLE_MEMBER_BYTES = 256 * 1024 * 1024;

const TEXT_FIELDS = new Set(["txt", "text", "caption", "cls", "id", "key", "prompt", "instruction", "edit", "md"]);

export function sampleKey(memberName: string): { key: string; field: string } {
  const slash = memberName.lastIndexOf("/");
  const dot = memberName.indexOf(".", slash + 1);
  if (dot === -1) return { key: memberName, field: "" };
  return { key: memberName.slice(0, dot), field: memberName.slice(dot + 1) };
}

function lastExtension(field: string): string {
  const dot = field.lastIndexOf(".");
  return (dot === -1 ? field : field.slice(dot + 1)).toLowerCase();
}

const utf8 = new TextDecoder("utf-8");

interface TSample {
  key: string;
  values: Record<string, unknown>;
  problems: string[];
}

async function addMember(sample: TSample, member: TTarMember, field: string, maxBytes: number): Promise<void> {
  let body: Buffer;
  try {
    body = await member.read(maxBytes);
  } catch (err) {
    if (err instanceof MemberTooLargeError) {
      sample.problems.push(`member ${member.name} is larger than ${maxBytes / 1024 / 1024} MiB`);
      return;
    }
    throw err;
  }
  const ext = lastExtension(field);
  if (ext === "json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(utf8.decode(body));
    } catch (err) {
      sample.problems.push(`member ${member.name} is not valid JSON: ${(err as Error).message}`);
      return;
    }
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      for (const [k, v] of Object.entries(parsed)) if (!(k in sample.values)) sample.values[k] = v;
    } else {
      sample.values[field] = parsed;
    }
    return;
  }
  sample.values[field] = TEXT_FIELDS.has(ext) ? utf8.decode(body) : new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
}

/** The samples of one shard (a tar or tar.gz, possibly in parts) as records; `skip` passes samples by their headers alone. */
export function readWebdataset(filePath: string, opts: TReadOptions = {}): TRecordStream {
  const file = displayNameOf(filePath, opts);
  const skip = opts.skip ?? 0;
  const parts = opts.parts ?? [{ path: filePath, size: 0 }];
  const tar = readTar(parts, file || path.basename(filePath), { chunkBytes: opts.chunkBytes });
  let consumed = 0;

  async function* records(): AsyncGenerator<TRawRecord, void, undefined> {
    let index = 0;
    let current: TSample | null = null;
    const finish = (s: TSample): TRawRecord => {
      const loc = { file, index: index++, key: s.key };
      if (s.problems.length > 0) return { ok: false, loc, reason: s.problems.join("; ") };
      return { ok: true, loc, values: s.values };
    };
    for await (const member of tar.members) {
      if (!member.isFile) continue;
      const { key, field } = sampleKey(member.name);
      if (current && current.key !== key) {
        const done = current;
        current = null;
        if (index < skip) index++;
        else {
          const rec = finish(done);
          consumed = tar.bytesRead();
          yield rec;
        }
      }
      current ??= { key, values: { __key__: key }, problems: [] };
      // A skipped sample's bodies are never read: passing them costs decompression only.
      if (index >= skip && field !== "") await addMember(current, member, field, MAX_SAMPLE_MEMBER_BYTES);
    }
    if (current) {
      if (index < skip) index++;
      else yield finish(current);
    }
    consumed = tar.bytesRead();
  }

  return recordStream(records(), () => consumed);
}
