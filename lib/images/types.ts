// Where an image's bytes come from: inline bytes, a path under a root, or a URL (behind the SSRF guard).
export type TImageRef =
  | { kind: "bytes"; bytes: Uint8Array }
  | { kind: "path"; path: string }
  /** `sha256` (lowercase hex), when the row gives one, is what the downloaded bytes must hash to. */
  | { kind: "url"; url: string; sha256?: string }
  /** s3://bucket/key: referenced where it is (read once for its hash and derivatives, never copied). */
  | { kind: "object"; url: string };
