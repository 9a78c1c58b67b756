// `loupe export`: the same service and job the web app uses, run in this process with a terminal
// progress bar; a server on the same database may pick the job up instead, and then the CLI watches.
import { cp, mkdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Db } from "../lib/db/connect";
import { AppError, NotFoundError } from "../lib/errors";
import { EXPORT_FORMATS, TRAINERS, type TExportFormat } from "../lib/exports/types";
import type { TExportView } from "../lib/exports/schemas";

export const EXPORT_HELP = `  npm run loupe -- export --project P --format F [filters] [--images files|embedded] [--validation 0.1] [--trainers A,B] [--out PATH]
                                                    export a project's final pairs; P is a project id or name,
                                                    F one of ${EXPORT_FORMATS.join(", ")}
      filters (all optional; several narrow together):
        --decision accept,reject,recaption          final decisions to take
        --adjudicated                               only pairs a reviewer adjudicated
        --min-agreement X                           agreement at least X (0-1)
        --task A,B   --subtask A,B                  tasks / subtasks to take
        --from YYYY-MM-DD  --to YYYY-MM-DD          finalised from / through these days (UTC)
        --gold include|exclude|only                 gold pairs (default include)
        --saved NAME_OR_ID                          a filter saved on the Export page (flags given too override it)
      --images files|embedded                       Parquet and verifier formats: images as files or embedded bytes
      --validation X                                share of pairs in the validation split, 0-0.5 (default 0.1)
      --trainers A,B                                verifier-trainers: ${TRAINERS.join(", ")} (default all)
      --out PATH                                    copy the result there: a folder (created) receives the data file,
                                                    manifest.json and any images/; a file path receives the data file
                                                    and PATH.manifest.json beside it`;

function list(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return v.split(",").map((s) => s.trim()).filter(Boolean);
}

function day(v: string | undefined, flag: string): string | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) throw new AppError(`${flag} expects a day as YYYY-MM-DD, got "${v}".`);
  return v;
}

function number(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n)) throw new AppError(`${flag} expects a number, got "${v}".`);
  return n;
}

async function findProject(db: Db, ref: string): Promise<{ id: number; name: string }> {
  const byId = /^\d+$/.test(ref) ? await db.prisma.project.findUnique({ where: { id: Number(ref) }, select: { id: true, name: true } }) : null;
  const p = byId ?? (await db.prisma.project.findUnique({ where: { name: ref }, select: { id: true, name: true } }));
  if (!p) throw new NotFoundError(`No project "${ref}". See: npm run loupe -- project:list`);
  return p;
}

function fmtDuration(s: number): string {
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return `${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}`;
}

export function exportProgressLine(v: TExportView, width = 30): string {
  const fraction = v.status === "done" ? 1 : v.fraction;
  const filled = Math.round(fraction * width);
  const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
  const pct = `${(fraction * 100).toFixed(1).padStart(5)}%`;
  const of = v.totalRows !== null ? ` of ${v.totalRows.toLocaleString("en")}` : "";
  const rate = v.rowsPerSecond ? `${Math.round(v.rowsPerSecond).toLocaleString("en")} pairs/s` : "-- pairs/s";
  const eta = v.etaSeconds !== null ? ` · ${fmtDuration(v.etaSeconds)} left` : "";
  return `${bar} ${pct} ${v.rowsDone.toLocaleString("en")}${of} pairs · ${rate}${eta} · ${v.status}`;
}

async function follow(db: Db, id: string): Promise<TExportView> {
  const { runExport } = await import("../lib/exports/run");
  const { getExportView, cancelExport } = await import("../lib/exports/service");
  const { dataDir } = await import("../lib/imports/config");
  const { getStorage } = await import("../lib/storage/config");
  const tty = process.stdout.isTTY;
  let lastPrint = 0;
  const print = async (final = false) => {
    const v = await getExportView(db, id);
    if (!v) return;
    if (tty) process.stdout.write(`\r${exportProgressLine(v)}\x1b[K`);
    else if (final || Date.now() - lastPrint >= 1000) {
      console.log(exportProgressLine(v));
      lastPrint = Date.now();
    }
  };
  // Ctrl-C cancels: an export is restarted from the first pair anyway, so nothing is lost.
  process.once("SIGINT", () => {
    if (tty) process.stdout.write("\n");
    void cancelExport(db, null, id).catch(() => {}).finally(() => {
      console.log(`Export ${id} cancelled.`);
      process.exit(130);
    });
  });
  let printing = false;
  const timer = setInterval(() => {
    if (printing) return;
    printing = true;
    void print().catch(() => {}).finally(() => (printing = false));
  }, 500);
  try {
    for (;;) {
      const result = await runExport(db, id, { dataDir: dataDir(), storage: getStorage() });
      if (result !== "busy") break;
      await new Promise((r) => setTimeout(r, 1000));
      const v = await getExportView(db, id);
      if (!v || v.status === "done" || v.status === "failed" || v.status === "cancelled") break;
    }
  } catch (err) {
    const { failExport } = await import("../lib/exports/run");
    await failExport(db, id, (err as Error).message, dataDir(), getStorage());
  } finally {
    clearInterval(timer);
    await print(true);
    if (tty) process.stdout.write("\n");
  }
  const v = await getExportView(db, id);
  if (!v) throw new NotFoundError(`Export ${id} disappeared.`);
  return v;
}

async function copyOut(dir: string, v: TExportView, out: string): Promise<string[]> {
  const target = path.resolve(out);
  const isDir = await stat(target).then((s) => s.isDirectory(), () => false);
  if (isDir || out.endsWith("/") || out.endsWith(path.sep) || v.files.length > 1) {
    await mkdir(target, { recursive: true });
    await cp(dir, target, { recursive: true });
    return [path.join(target, v.dataFile!), path.join(target, "manifest.json")];
  }
  await mkdir(path.dirname(target), { recursive: true });
  await cp(path.join(dir, v.dataFile!), target);
  await cp(path.join(dir, "manifest.json"), `${target}.manifest.json`);
  return [target, `${target}.manifest.json`];
}

export async function exportCommand(db: Db, rest: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      project: { type: "string" },
      format: { type: "string" },
      decision: { type: "string" },
      adjudicated: { type: "boolean", default: false },
      "min-agreement": { type: "string" },
      task: { type: "string" },
      subtask: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      gold: { type: "string" },
      saved: { type: "string" },
      images: { type: "string" },
      validation: { type: "string" },
      trainers: { type: "string" },
      out: { type: "string" },
    },
  });
  if (!values.project || !values.format || positionals.length > 0) throw new AppError(`export needs --project and --format.\n\n${EXPORT_HELP}`);
  if (!(EXPORT_FORMATS as readonly string[]).includes(values.format)) throw new AppError(`--format is one of ${EXPORT_FORMATS.join(", ")}; got "${values.format}".`);
  const project = await findProject(db, values.project);
  const { createExport, findSavedFilter } = await import("../lib/exports/service");
  const { exportDir } = await import("../lib/exports/run");
  const { dataDir } = await import("../lib/imports/config");
  const { getStorage } = await import("../lib/storage/config");
  const { exportPrefix } = await import("../lib/storage/keys");
  const { downloadPrefix } = await import("../lib/storage/local-copy");
  const { stopBoss } = await import("../lib/db/boss");

  let savedFilterId: number | undefined;
  if (values.saved !== undefined) {
    const saved = await findSavedFilter(db, project.id, values.saved);
    if (!saved) throw new NotFoundError(`No saved filter "${values.saved}" in "${project.name}".`);
    savedFilterId = saved.id;
  }
  const to = day(values.to, "--to");
  // --to is inclusive: pairs finalised before the start of the next day (UTC).
  const before = to ? new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10) : undefined;
  const filters: Record<string, unknown> = {
    decisions: list(values.decision),
    adjudicatedOnly: values.adjudicated || undefined,
    minAgreement: number(values["min-agreement"], "--min-agreement"),
    tasks: list(values.task),
    subtasks: list(values.subtask),
    finalizedFrom: day(values.from, "--from"),
    finalizedBefore: before,
    gold: values.gold,
    savedFilterId,
  };
  for (const k of Object.keys(filters)) if (filters[k] === undefined) delete filters[k];
  const options: Record<string, unknown> = {};
  if (values.images !== undefined) options.images = values.images;
  if (values.validation !== undefined) options.validationFraction = number(values.validation, "--validation");
  if (values.trainers !== undefined) options.trainers = list(values.trainers);

  let view: TExportView;
  try {
    view = await createExport(db, null, project.id, { format: values.format as TExportFormat, filters, options: options as never });
    console.log(`Export ${view.id}: "${project.name}" as ${view.format} (${view.filtersText}).`);
    view = await follow(db, view.id);
  } finally {
    await stopBoss(db);
  }
  if (view.status !== "done") {
    console.log(view.message ?? `Export ${view.id} ${view.status}.`);
    process.exitCode = 1;
    return;
  }
  const storage = getStorage();
  const remote = storage.kind !== "local";
  // Kept in a bucket: named by its s3:// location, and copied out through a scratch folder for --out.
  const dir = remote ? `${storage.location}${exportPrefix(view.id)}` : exportDir(dataDir(), view.id);
  console.log(view.message);
  const c = view.counts!;
  console.log(`  decisions: ${Object.entries(c.decision).map(([k, n]) => `${k} ${n.toLocaleString("en")}`).join(", ") || "none"}`);
  console.log(`  subtasks:  ${Object.entries(c.subtask).map(([k, n]) => `${k || "(none)"} ${n.toLocaleString("en")}`).join(", ") || "none"}`);
  console.log(`  split:     train ${c.split.train.toLocaleString("en")}, validation ${c.split.validation.toLocaleString("en")}`);
  const at = (f: string) => (remote ? `${dir}${f}` : path.join(dir, f));
  console.log(`Data file: ${at(view.dataFile!)}`);
  if (view.files.length > 1) console.log(`Files:     ${view.files.map(at).join("\n           ")}`);
  console.log(`Manifest:  ${at("manifest.json")}`);
  console.log(`sha256:    ${view.sha256}`);
  if (values.out) {
    const scratch = remote ? path.join(dataDir(), "exports-work", `out-${view.id}`) : dir;
    if (remote) await downloadPrefix(storage, exportPrefix(view.id), scratch);
    const [data, manifest] = await copyOut(scratch, view, values.out).finally(() => (remote ? rm(scratch, { recursive: true, force: true }) : undefined));
    console.log(`Copied to ${data} (manifest ${manifest}).`);
  }
}
