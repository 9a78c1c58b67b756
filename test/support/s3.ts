import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import S3rver from "s3rver";

// A real S3 protocol server for tests, e2e and the bench (decision 017): s3rver keeps buckets in a
// temporary folder and answers the S3 REST API, presigned URLs and their expiry included.

export interface TS3Server {
  endpoint: string;
  /** Client settings for the server (path style: s3rver has no virtual-host buckets). */
  client: { endpoint: string; region: string; forcePathStyle: true; credentials: { accessKeyId: string; secretAccessKey: string } };
  /** The environment a Loupe process needs to use this server. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * `port` and `directory`: a server started again on the same port over the same folder is the same bucket
 * come back (the soak's outage); a folder given is the caller's and is kept by close().
 */
export async function startS3(buckets: string[], opts: { port?: number; directory?: string } = {}): Promise<TS3Server> {
  const dir = opts.directory ?? mkdtempSync(path.join(tmpdir(), "loupe-s3-"));
  const server = new S3rver({
    port: opts.port ?? 0,
    address: "127.0.0.1",
    silent: true,
    directory: dir,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  // s3rver accepts this fixed key pair and checks signatures (and expiry) made with it.
  const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
  return {
    endpoint,
    client: { endpoint, region: "us-east-1", forcePathStyle: true, credentials },
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      LOUPE_S3_FORCE_PATH_STYLE: "true",
    },
    async close() {
      await server.close();
      if (!opts.directory) rmSync(dir, { recursive: true, force: true });
    },
  };
}
