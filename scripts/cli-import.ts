// `loupe project:add`, `project:list` and `import`: the web app's services with a terminal progress bar.
// The CLI runs the job worker itself while it waits, so an import finishes with no server running.
import path from "node:path";
import { parseArgs } from "node:util";
import type { Db } from "../lib/db/connect";
import { AppError, NotFoundError } from "../lib/errors";
import { getEnv } from "../lib/env";
import type { TImportRequest, TImportView } from "../lib/imports/schemas";
import { FORMATS, PRESET_NAMES } from "../lib/imports/schemas";

export const IMPORT_HELP = `  npm run loupe -- project:add --name NAME [--overlap N] [--guidelines TEXT]
                                                    create a project (overlap 1-5 labels per pair)
  npm run loupe -- project:list                     list projects with their pair counts
  npm run loupe -- import --project P [--preset ${PRESET_NAMES.join("|")}]
                    [--map target=column,...] [--format ${FORMATS.join("|")}] [--encoding E] [--delimiter D]
                    [--image-root DIR] [--archive FILE_OR_DIR]... [--image-prefix P] [--image-base-url URL]
                    [--inverse] [--report FILE] FILE_OR_DIR
                                                    import candidate pairs; P is a project id or name.
                                                    Image paths resolve in the --archive tar files (a
                                                    folder's own archives by default), then under
                                                    --image-root (default: LOUPE_IMAGE_ROOT, else the
                                                    file's folder). An unfinished import of the same
                                                    file resumes.
  npm run loupe -- import:resume ID                 resume a failed, cancelled or interrupted import`;

/** Invalid rows printed at the end of an import; the report has all of them. */
const CLI_INVALID_ROWS = 10;

async function findProject(db: Db, ref: string): Promise<{ id: number; name: string }> {
  const byId = /^\d+$/.test(ref) ? await db.prisma.project.findUnique({ where: { id: Number(ref) }, select: { id: true, name: true } }) : null;
  const p = byId ?? (await db.prisma.project.findUnique({ where: { name: ref }, select: { id: true, name: true } }));
  if (!p) throw new NotFoundError(`No project "${ref}". See: npm run loupe -- project:list`);
  return p;
}

export async function projectAdd(db: Db, rest: string[]): Promise<void> {
  const { values } = parseArgs({ args: rest, options: { name: { type: "string" }, overlap: { type: "string" }, guidelines: { type: "string" } } });
  const { ZProjectCreate } = await import("../lib/imports/schemas");
  const input = ZProjectCreate.safeParse({ name: values.name, overlap: values.overlap ?? 1, guidelines: values.guidelines });
  if (!input.success) throw new AppError(input.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("; "));
  const { createProject } = await import("../lib/projects/service");
  const p = await createProject(db, null, input.data);
  console.log(`Created project ${p.id} "${p.name}" (overlap ${p.overlap}).`);
}

export async function projectList(db: Db): Promise<void> {
  const { listProjects } = await import("../lib/projects/queries");
  const rows = await listProjects(db);
  if (rows.length === 0) {
    console.log("No projects yet. Create one: npm run loupe -- project:add --name NAME");
    return;
  }
  const line = (c: (string | number)[]) => console.log(`${String(c[0]).padStart(4)}  ${String(c[1]).padEnd(32)} ${String(c[2]).padStart(7)} ${String(c[3]).padStart(12)} ${String(c[4]).padStart(12)} ${String(c[5]).padStart(10)}`);
  line(["id", "name", "overlap", "pairs", "open", "labels"]);
  for (const p of rows) line([p.id, p.name.slice(0, 32), p.overlap, p.pairsTotal.toLocaleString("en"), p.pairsOpen.toLocaleString("en"), p.labels.toLocaleString("en")]);
}

function parseMap(spec: string | undefined): Record<string, string> | undefined {
  if (!spec) return undefined;
  const out: Record<string, string> = {};
  for (const part of spec.split(",")) {
    const [k, v] = part.split("=");
    if (!k || !v) throw new AppError(`--map expects target=column pairs separated by commas, got "${part}".`);
    out[k.trim()] = v.trim();
  }
  return out;
}

function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return "--:--";
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}` : `${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}`;
}

export function progressLine(v: TImportView, width = 30): string {
  const filled = Math.round(v.fraction * width);
  const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
  const pct = `${(v.fraction * 100).toFixed(1).padStart(5)}%`;
  const rate = v.rowsPerSecond ? `${Math.round(v.rowsPerSecond).toLocaleString("en")} rows/s` : "-- rows/s";
  const eta = v.etaSeconds !== null ? `${fmtDuration(v.etaSeconds)} left` : v.status === "done" ? "done" : "";
  return `${bar} ${pct} ${v.rowsDone.toLocaleString("en")} rows · ${rate} · ${eta} · inserted ${v.inserted.toLocaleString("en")}, present ${v.duplicates.toLocaleString("en")}, invalid ${v.invalid.toLocaleString("en")}`;
}

/** Runs the import here (the CLI is its worker) with a progress bar; if another process works it, watches. */
async function follow(db: Db, id: string, reportFile: string | undefined): Promise<void> {
  const { runImport } = await import("../lib/imports/run");
  const { stopBoss } = await import("../lib/db/boss");
  const { closeImagePool } = await import("../lib/images/pool");
  const { dataDir, fetchConfigFromEnv } = await import("../lib/imports/config");
  const { getStorage } = await import("../lib/storage/config");
  const { firstInvalidRows, getImportView, streamImportReport } = await import("../lib/imports/service");
  const { describeLocation } = await import("../lib/imports/outcome");
  const tty = process.stdout.isTTY;
  let lastPrint = 0;
  let printing = false;
  const print = async (final = false) => {
    if (printing && !final) return;
    printing = true;
    try {
      const v = await getImportView(db, id);
      if (!v) return;
      const now = Date.now();
      if (tty) process.stdout.write(`\r${progressLine(v)}\x1b[K`);
      else if (final || now - lastPrint >= 1000) {
        console.log(progressLine(v));
        lastPrint = now;
      }
    } finally {
      printing = false;
    }
  };
  // Ctrl-C stops at once: the batch in flight rolls back and the checkpoint keeps everything before it.
  process.once("SIGINT", () => {
    if (tty) process.stdout.write("\n");
    console.log(`Stopped. The import keeps its checkpoint: npm run loupe -- import:resume ${id}`);
    process.exit(130);
  });
  const timer = setInterval(() => void print().catch(() => {}), 500);
  let failure: Error | null = null;
  try {
    for (;;) {
      const result = await runImport(db, id, { dataDir: dataDir(), storage: getStorage(), fetch: fetchConfigFromEnv(), batchSize: getEnv().LOUPE_IMPORT_BATCH_ROWS });
      if (result !== "busy") break;
      await new Promise((r) => setTimeout(r, 1000));
      const v = await getImportView(db, id);
      if (!v || v.status === "done" || v.status === "failed" || v.status === "cancelled") break;
    }
  } catch (err) {
    failure = err as Error;
  } finally {
    clearInterval(timer);
    await print(true);
    if (tty) process.stdout.write("\n");
    await stopBoss(db);
    await closeImagePool();
  }
  if (failure) {
    throw new AppError(`Import ${id} was interrupted: ${failure.message}\nRows up to the last saved batch stay; continue with: npm run loupe -- import:resume ${id}`);
  }
  const view = await getImportView(db, id);
  if (!view) throw new NotFoundError(`Import ${id} disappeared.`);
  console.log(view.message ?? view.status);
  if (view.inserted > 0) {
    console.log("Previews and change maps of the new pairs are made in the background by the server's job workers (until then pairs show their originals).");
  }
  if (view.duplicates > 0) {
    console.log(`Already present: ${view.duplicates.toLocaleString("en")} rows, each listed in the report with the pair it matched.`);
  }
  if (view.invalid > 0) {
    const first = await firstInvalidRows(db, id, CLI_INVALID_ROWS);
    console.log(view.invalid > first.length ? `First ${first.length} of ${view.invalid.toLocaleString("en")} invalid rows:` : "Invalid rows:");
    for (const p of first) console.log(`  ${describeLocation(p.loc)}${p.externalId !== null ? ` (id ${p.externalId})` : ""}: ${p.reason}`);
  }
  if (view.invalid > 0 || view.duplicates > 0) {
    const file = path.resolve(reportFile ?? `import-${id}-report.csv`);
    const { createWriteStream } = await import("node:fs");
    const { Readable } = await import("node:stream");
    const { pipeline } = await import("node:stream/promises");
    await pipeline(Readable.fromWeb(streamImportReport(db, id) as import("node:stream/web").ReadableStream<Uint8Array>), createWriteStream(file));
    console.log(`Report of every invalid and already-present row: ${file}`);
  }
  if (view.status !== "done") process.exitCode = 1;
}

export async function importCommand(db: Db, rest: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      project: { type: "string" },
      preset: { type: "string" },
      map: { type: "string" },
      format: { type: "string" },
      encoding: { type: "string" },
      delimiter: { type: "string" },
      "image-root": { type: "string" },
      archive: { type: "string", multiple: true },
      "image-prefix": { type: "string" },
      "image-base-url": { type: "string" },
      inverse: { type: "boolean" },
      report: { type: "string" },
    },
  });
  const target = positionals[0];
  if (!values.project || !target || positionals.length > 1) throw new AppError(`import needs --project and one FILE_OR_DIR.\n\n${IMPORT_HELP}`);
  const project = await findProject(db, values.project);
  const { ZImportRequest } = await import("../lib/imports/schemas");
  const { previewImport, createImport } = await import("../lib/imports/service");
  const env = getEnv();
  const cliPath = path.resolve(target);
  const options = {
    imagePathPrefix: values["image-prefix"],
    imageBaseUrl: values["image-base-url"],
    inverse: values.inverse,
  };
  const raw = {
    source: { kind: "path", path: cliPath },
    archives: values.archive?.map((a) => ({ kind: "path", path: path.resolve(a) })),
    options: Object.values(options).some((v) => v !== undefined) ? options : undefined,
    format: values.format,
    preset: values.preset,
    encoding: values.encoding,
    delimiter: values.delimiter,
  };
  const parsed = ZImportRequest.safeParse(raw);
  if (!parsed.success) throw new AppError(parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("; "));
  let req: TImportRequest = parsed.data;
  const ctx = { importRoot: null, cliPath };
  if (!req.preset) {
    // No preset: start from the guessed mapping, let --map override, and show it before importing.
    const preview = await previewImport(db, { ...req, preset: null }, ctx);
    const mapping = { ...preview.mapping, ...parseMap(values.map) };
    req = { ...req, preset: null, mapping };
    const { validateMapping } = await import("../lib/imports/mapping");
    const problems = validateMapping(mapping as Parameters<typeof validateMapping>[0], preview.columns);
    if (problems.length > 0) {
      throw new AppError(`The columns of ${path.basename(cliPath)} (${preview.columns.join(", ")}) need a mapping:\n  ${problems.join("\n  ")}\nUse --preset or --map target=column,...`);
    }
    console.log(`Mapping: ${Object.entries(mapping).filter(([, v]) => v).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join("+") : v}`).join(", ")}`);
  }
  const { stat } = await import("node:fs/promises");
  const isDir = await stat(cliPath).then((st) => st.isDirectory(), () => false);
  const imageRoot = path.resolve(values["image-root"] ?? env.LOUPE_IMAGE_ROOT ?? (isDir ? cliPath : path.dirname(cliPath)));
  const unfinished = await db.query<{ id: string }>(
    `SELECT id::text FROM imports WHERE project_id = $1 AND source_label = $2 AND status IN ('queued', 'running') ORDER BY id DESC LIMIT 1`,
    [project.id, cliPath],
  );
  let id: string;
  if (unfinished[0]) {
    id = unfinished[0].id;
    console.log(`Resuming unfinished import ${id} of ${cliPath} into "${project.name}" (with the mapping and image root it started with).`);
  } else {
    const view = await createImport(db, null, project.id, req, { ...ctx, imageRoot });
    id = view.id;
    console.log(`Import ${id}: ${cliPath} → "${project.name}" (${view.format}${view.preset ? `, preset ${view.preset}` : ""}).`);
  }
  await follow(db, id, values.report);
}

export async function importResume(db: Db, rest: string[]): Promise<void> {
  const id = rest[0];
  if (!id || !/^\d+$/.test(id)) throw new AppError("import:resume needs an import id.");
  const imp = await db.prisma.import.findUnique({ where: { id: BigInt(id) }, select: { status: true } });
  if (!imp) throw new NotFoundError(`No import ${id}.`);
  if (imp.status === "failed" || imp.status === "cancelled") {
    const { resumeImport } = await import("../lib/imports/service");
    await resumeImport(db, null, id);
  }
  await follow(db, id, undefined);
}
