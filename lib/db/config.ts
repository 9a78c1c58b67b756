import { getEnv } from "../env";
import type { DatabaseConfig } from "./connect";

export function configFromEnv(): DatabaseConfig {
  const env = getEnv();
  return env.DATABASE_URL
    ? { kind: "server", url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, acquireTimeoutMs: env.DATABASE_POOL_TIMEOUT_MS }
    : { kind: "embedded", dataDir: env.LOUPE_DATA_DIR };
}
