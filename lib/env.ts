import { z } from "zod";

// Environment is parsed once, at first use; a bad value stops the process with a readable message.
const ZEnv = z.object({
  DATABASE_URL: z.string().url().optional(),
  LOUPE_DATA_DIR: z.string().min(1).default("./.loupe"),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
  DATABASE_POOL_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
  NEXTAUTH_SECRET: z.string().min(16).optional(),
  NEXTAUTH_URL: z.string().url().optional(),
  // Addresses or CIDRs of the reverse proxies in front of Loupe: only then is X-Forwarded-For read for
  // the per-address sign-in limit (decision 021). Unset: no per-address limit, the per-account one holds.
  LOUPE_TRUSTED_PROXIES: z.string().optional(),
  // Longest a web process's statement may run (PostgreSQL server only; 0 turns it off).
  LOUPE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  LOUPE_LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(8),
  LOUPE_LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(10).default(900),
  // Imports: the folder admins may import from by name, the folder manifest image paths resolve under
  // (default: the import root), an optional upload cap, and the limits and allow-list for image URLs.
  LOUPE_IMPORT_ROOT: z.string().min(1).optional(),
  LOUPE_IMAGE_ROOT: z.string().min(1).optional(),
  LOUPE_UPLOAD_MAX_BYTES: z.coerce.number().int().min(1).optional(),
  LOUPE_FETCH_ALLOW: z.string().optional(),
  LOUPE_FETCH_MAX_BYTES: z.coerce.number().int().min(1024).default(50 * 1024 * 1024),
  LOUPE_FETCH_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  // Rows per import batch (one transaction each): larger is faster, smaller resumes sooner.
  LOUPE_IMPORT_BATCH_ROWS: z.coerce.number().int().min(10).max(50_000).default(5000),
  // "off" keeps this process from running background jobs (imports), e.g. on web-only replicas.
  LOUPE_JOBS: z.enum(["on", "off"]).default("on"),
  // Hosts, addresses or CIDRs webhook URLs may reach though private, e.g. "127.0.0.1,localhost,::1".
  LOUPE_WEBHOOK_ALLOW: z.string().optional(),
  // Where images, previews, change maps, uploads and exports live: unset = LOUPE_DATA_DIR on this host,
  // s3://bucket/prefix = a bucket (the SDK's AWS_* variables say how to reach it; decision 017).
  LOUPE_STORAGE_URL: z.string().regex(/^s3:\/\//, "expected s3://bucket/prefix").optional(),
  LOUPE_S3_FORCE_PATH_STYLE: z.enum(["true", "false"]).default("false"),
  // Buckets whose images may be referenced in place (s3://bucket/key), comma-separated; unset = any bucket
  // the credentials reach. A row naming another bucket is reported invalid, with the list in its message.
  LOUPE_S3_INPLACE_BUCKETS: z.string().optional(),
  // How the browser gets an object from a bucket: a short-lived presigned redirect, or streamed by Loupe.
  LOUPE_S3_SERVE: z.enum(["redirect", "proxy"]).default("redirect"),
  // Life of a presigned URL; the redirect to it is cached for at most half of it.
  LOUPE_S3_URL_SECONDS: z.coerce.number().int().min(60).max(604_800).default(900),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
});
export type TEnv = z.infer<typeof ZEnv>;

let cached: TEnv | undefined;

/** For tests and the CLI, which change the environment after first use. */
export function resetEnvCache(): void {
  cached = undefined;
}

export function getEnv(): TEnv {
  if (cached) return cached;
  const parsed = ZEnv.safeParse(
    Object.fromEntries(Object.entries(process.env).map(([k, v]) => [k, v === "" ? undefined : v])),
  );
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment:\n${lines.join("\n")}`);
  }
  cached = parsed.data;
  return cached;
}
