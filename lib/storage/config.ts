import "server-only";
import path from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { getEnv } from "../env";
import { LocalStorage } from "./local";
import { makeS3Client, parseS3Url, S3Storage, type TS3ClientOptions } from "./s3";
import type { Storage } from "./types";

// One store per process, from the environment. Library code takes a Storage (or, for the local
// folder, its path) from its caller; only entry points call getStorage().

let cached: { url: string; storage: Storage } | null = null;
let client: { settings: string; client: S3Client } | null = null;

function s3Client(): S3Client {
  // Rebuilt when the settings change (tests and the CLI change the environment after first use).
  const e = process.env;
  const settings = [e.AWS_ENDPOINT_URL, e.AWS_REGION, e.AWS_ACCESS_KEY_ID, e.AWS_PROFILE, getEnv().LOUPE_S3_FORCE_PATH_STYLE].join("\n");
  if (client?.settings !== settings) client = { settings, client: makeS3Client({ forcePathStyle: getEnv().LOUPE_S3_FORCE_PATH_STYLE === "true" }) };
  return client.client;
}

/** A store at `url`: s3://bucket/prefix, or a folder on this host. */
export function storageAt(url: string, opts?: TS3ClientOptions): Storage {
  if (url.startsWith("s3://")) {
    const { bucket, prefix } = parseS3Url(url);
    return new S3Storage(opts ? makeS3Client(opts) : s3Client(), bucket, prefix);
  }
  return new LocalStorage(path.resolve(url));
}

/** The process's store: LOUPE_STORAGE_URL when set, else the LOUPE_DATA_DIR folder. */
export function getStorage(): Storage {
  const env = getEnv();
  const url = env.LOUPE_STORAGE_URL ?? path.resolve(env.LOUPE_DATA_DIR);
  // A bucket store follows client changes too: storageAt is cheap.
  if (cached?.url !== url || cached.storage.kind === "s3") cached = { url, storage: storageAt(url) };
  return cached.storage;
}

/** A whole bucket, for images referenced in place (s3://bucket/key in a manifest); same client settings. */
export function bucketStorage(bucket: string, clientOverride?: S3Client): S3Storage {
  return new S3Storage(clientOverride ?? s3Client(), bucket, "");
}

/** Callers that still hand a data folder: a path means the local store there. */
export function asStorage(store: Storage | string): Storage {
  return typeof store === "string" ? new LocalStorage(store) : store;
}

export interface TServeConfig {
  mode: "redirect" | "proxy";
  urlSeconds: number;
}

export function serveConfig(): TServeConfig {
  const env = getEnv();
  return { mode: env.LOUPE_S3_SERVE, urlSeconds: env.LOUPE_S3_URL_SECONDS };
}
