// Where an image's bytes come from: inline bytes, a path under a root, or a URL (behind the SSRF guard).
export type TImageRef =
  | { kind: "bytes"; bytes: Uint8Array }
  | { kind: "path"; path: string }
  | { kind: "url"; url: string };
