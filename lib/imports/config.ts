import "server-only";
import path from "node:path";
import { getEnv } from "../env";

export { fetchConfigFromEnv } from "../images/resolve";

export function importRoot(): string | null {
  const r = getEnv().LOUPE_IMPORT_ROOT;
  return r ? path.resolve(r) : null;
}

/** Where image paths in manifests imported through the web UI resolve: LOUPE_IMAGE_ROOT, else the import root. */
export function imageRootFromEnv(): string | null {
  const env = getEnv();
  const r = env.LOUPE_IMAGE_ROOT ?? env.LOUPE_IMPORT_ROOT;
  return r ? path.resolve(r) : null;
}

export function dataDir(): string {
  return path.resolve(getEnv().LOUPE_DATA_DIR);
}
