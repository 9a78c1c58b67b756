// Display helpers for the import pages; one fixed locale, so the server render and the browser agree.
import type { TImportStatus, TImportView } from "@/lib/imports/schemas";
import type { TRecordLocation } from "@/lib/imports/types";

const INTEGER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function formatCount(n: number): string {
  return INTEGER.format(n);
}

const BYTE_UNITS = ["KB", "MB", "GB", "TB"];

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(bytes || 0))} B`;
  let value = bytes;
  let unit = "B";
  for (const u of BYTE_UNITS) {
    if (value < 1024) break;
    value /= 1024;
    unit = u;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${unit}`;
}

export function formatRate(rowsPerSecond: number): string {
  if (rowsPerSecond > 0 && rowsPerSecond < 1) return "under 1 row/s";
  return `${formatCount(Math.round(rowsPerSecond))} rows/s`;
}

export function formatTimeLeft(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "";
  if (seconds < 45) return "under a minute left";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${Math.max(1, minutes)} min left`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `about ${h} h left` : `about ${h} h ${m} min left`;
}

export function isActiveImport(status: TImportStatus): boolean {
  return status === "queued" || status === "running";
}

export const IMPORT_STATUS_LABELS: Record<TImportStatus, string> = {
  queued: "Queued",
  running: "Running",
  done: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
};

/** How an import's state reads at a glance: a done import that inserted nothing is not a green "Done". */
export type TImportTone = "queued" | "running" | "success" | "quiet" | "warning" | "failed" | "cancelled";

export function importBadge(view: Pick<TImportView, "status" | "outcome">): { label: string; tone: TImportTone } {
  if (view.status !== "done") return { label: IMPORT_STATUS_LABELS[view.status], tone: view.status };
  switch (view.outcome) {
    case "nothing-new":
      return { label: "Nothing new", tone: "quiet" };
    case "nothing-imported":
      return { label: "Nothing imported", tone: "warning" };
    case "empty":
      return { label: "No rows", tone: "quiet" };
    default:
      return { label: IMPORT_STATUS_LABELS.done, tone: "success" };
  }
}

/** Whole percent for the progress bar; a running import never claims 100 before it is done. */
export function importPercent(view: Pick<TImportView, "status" | "fraction">): number {
  if (view.status === "done") return 100;
  const fraction = Number.isFinite(view.fraction) ? Math.min(1, Math.max(0, view.fraction)) : 0;
  const percent = Math.floor(fraction * 100);
  return isActiveImport(view.status) ? Math.min(99, percent) : percent;
}

/** "12,345 of 100,000 rows · 8,000 rows/s · about 2 min left" (speed and time only while it runs). */
export function importProgressText(
  view: Pick<TImportView, "status" | "rowsDone" | "totalRows" | "rowsPerSecond" | "etaSeconds">,
): string {
  const parts = [
    view.totalRows !== null
      ? `${formatCount(view.rowsDone)} of ${formatCount(view.totalRows)} rows`
      : `${formatCount(view.rowsDone)} rows`,
  ];
  if (view.status === "running") {
    if (view.rowsPerSecond !== null && view.rowsPerSecond > 0) parts.push(formatRate(view.rowsPerSecond));
    if (view.etaSeconds !== null) {
      const left = formatTimeLeft(view.etaSeconds);
      if (left) parts.push(left);
    }
  }
  return parts.join(" · ");
}

export function importName(id: string): string {
  return `Import ${/^\d+$/.test(id) || id.length <= 8 ? id : id.slice(0, 8)}`;
}

export function formatLocation(loc: TRecordLocation, withFile = false): string {
  let where: string;
  if (loc.line !== undefined) where = `line ${formatCount(loc.line)}`;
  else if (loc.rowGroup !== undefined) where = `row group ${loc.rowGroup}, row ${formatCount(loc.row ?? 0)}`;
  else where = `record ${formatCount(loc.index + 1)}`;
  return withFile ? `${loc.file}, ${where}` : where;
}

export function formatCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? "yes" : "no";
  return String(value);
}
