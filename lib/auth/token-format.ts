// The text of an API token and what is stored of it. Pure (no database) so unit tests import it.
import { createHash, randomBytes } from "node:crypto";

export const TOKEN_PREFIX = "loupe_";
/** 32 random bytes in base64url: 43 characters, 256 bits. */
const TOKEN_RE = /^loupe_[A-Za-z0-9_-]{43}$/;
/** Characters of the token kept in clear so its owner can tell tokens apart. */
const HINT_CHARS = TOKEN_PREFIX.length + 4;

export interface TNewTokenText {
  /** Shown to its owner once, never stored. */
  token: string;
  hash: string;
  hint: string;
}

export function generateToken(): TNewTokenText {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  return { token, hash: hashToken(token), hint: token.slice(0, HINT_CHARS) };
}

/** sha256: 256 random bits cannot be brute-forced anyway, and a slow hash (bcrypt) would forbid lookup by hash. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function isWellFormedToken(token: string): boolean {
  return TOKEN_RE.test(token);
}

export type TBearer = { kind: "none" } | { kind: "malformed" } | { kind: "token"; token: string };

export function parseAuthorization(header: string | null): TBearer {
  if (header === null || header.trim() === "") return { kind: "none" };
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header.trim());
  if (!m || !isWellFormedToken(m[1]!)) return { kind: "malformed" };
  return { kind: "token", token: m[1]! };
}
