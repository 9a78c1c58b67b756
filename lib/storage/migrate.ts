import "server-only";
import { createHash } from "node:crypto";
import { shaOfImageKey } from "./keys";
import type { Storage, TObjectInfo } from "./types";

// storage:migrate: copies every object of one store into another, key for key. Resumable because each
// object is checked at the destination before it is copied: present with the right size and sha256
// (recorded in its metadata when Loupe wrote it) means done. Every copy is verified by its sha256 as it
// streams (Storage.put), so an interrupted or corrupted transfer never counts as copied.

export interface TMigrateProgress {
  seen: number;
  copied: number;
  skipped: number;
  bytes: number;
  key: string;
}

export interface TMigrateOptions {
  /** Called after each object; the CLI prints a line now and then, a test throws to simulate a crash. */
  onObject?: (p: TMigrateProgress) => void | Promise<void>;
}

async function sha256Of(storage: Storage, key: string): Promise<string | null> {
  const got = await storage.get(key);
  if (!got) return null;
  const h = createHash("sha256");
  for await (const chunk of got.body) h.update(chunk as Buffer);
  return h.digest("hex");
}

async function alreadyThere(to: Storage, o: TObjectInfo, sha256: string): Promise<boolean> {
  const there = await to.head(o.key);
  if (!there || there.size !== o.size) return false;
  // A bucket written by Loupe records the sha256; otherwise read the copy back.
  return (there.sha256 ?? (await sha256Of(to, o.key))) === sha256;
}

export async function migrateStorage(from: Storage, to: Storage, opts: TMigrateOptions = {}): Promise<TMigrateProgress> {
  const p: TMigrateProgress = { seen: 0, copied: 0, skipped: 0, bytes: 0, key: "" };
  for (const top of ["images/", "uploads/", "exports/"]) {
    for await (const o of from.list(top)) {
      p.seen++;
      p.key = o.key;
      // Images are named by their hash; anything else is hashed from the source first.
      const sha256 = shaOfImageKey(o.key) ?? (await sha256Of(from, o.key));
      if (!sha256) continue; // gone since it was listed
      if (await alreadyThere(to, o, sha256)) {
        p.skipped++;
      } else {
        const got = await from.get(o.key);
        if (!got) continue;
        await to.put(o.key, got.body, { sha256 });
        p.copied++;
        p.bytes += o.size;
      }
      await opts.onObject?.(p);
    }
  }
  return p;
}
