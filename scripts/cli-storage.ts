// `npm run loupe -- storage:migrate --to s3://bucket/prefix`: copies this install's local store into a bucket.
import { parseArgs } from "node:util";
import type { Db } from "../lib/db/connect";
import { AppError } from "../lib/errors";

export const STORAGE_HELP = `  npm run loupe -- storage:migrate --to s3://bucket/prefix
                                                    copy the local store (LOUPE_DATA_DIR: images, uploads,
                                                    exports) into a bucket; resumable, each object verified
                                                    by its sha256. Then set LOUPE_STORAGE_URL to it.`;

export async function storageMigrate(db: Db, rest: string[], log: (line: string) => void = console.log): Promise<void> {
  const { values } = parseArgs({ args: rest, options: { to: { type: "string" } } });
  if (!values.to?.startsWith("s3://")) throw new AppError(`storage:migrate needs --to s3://bucket/prefix.\n\n${STORAGE_HELP}`);
  const { getEnv } = await import("../lib/env");
  const { storageAt } = await import("../lib/storage/config");
  const { migrateStorage } = await import("../lib/storage/migrate");
  const path = await import("node:path");
  const dataDir = path.resolve(getEnv().LOUPE_DATA_DIR);
  const from = storageAt(dataDir);
  const to = storageAt(values.to);
  log(`Copying ${from.location} to ${to.location} (objects already there with the same sha256 are skipped)`);
  let last = 0;
  const line = (p: { seen: number; copied: number; skipped: number; bytes: number }) =>
    `  ${p.seen.toLocaleString("en")} objects: ${p.copied.toLocaleString("en")} copied (${(p.bytes / 1e6).toFixed(1)} MB), ${p.skipped.toLocaleString("en")} already there`;
  const done = await migrateStorage(from, to, {
    onObject: (p) => {
      if (Date.now() - last >= 1000) {
        last = Date.now();
        log(line(p));
      }
    },
  });
  log(line(done));
  // Uploads are recorded by where they are: point the rows that name the local folder at the bucket.
  const local = `${path.join(dataDir, "uploads")}/`;
  const moved = await db.query(
    "UPDATE uploads SET path = $2 || substr(path, length($1) + 1) WHERE starts_with(path, $1) RETURNING id",
    [local, `${to.location}uploads/`],
  );
  if (moved.length > 0) log(`  ${moved.length} upload records now point at the bucket.`);
  log(`Done. Set LOUPE_STORAGE_URL=${values.to} on every Loupe process to use the bucket.`);
}
