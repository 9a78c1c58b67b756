import "server-only";
import type { Storage } from "./types";

/** The whole object in memory (images, manifests: small), or null when there is none. */
export async function readObject(storage: Storage, key: string): Promise<Buffer | null> {
  const got = await storage.get(key);
  if (!got) return null;
  const chunks: Buffer[] = [];
  for await (const c of got.body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
