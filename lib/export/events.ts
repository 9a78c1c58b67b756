import "server-only";
import type { Database } from "../db/connect";
import type { TExportView } from "./schemas";

/**
 * Called once when an export has reached `done` (its row committed, its files and manifest on disk),
 * by whichever process ran it: a web process's job worker or the CLI. This is the hook for what
 * should follow a finished export — the "export finished" webhook of the pipeline API goes here.
 * Nothing is wired yet, so it does nothing. It must not throw for a reason the export could be
 * blamed for: the export is done whatever happens here, and runExport catches and logs a failure.
 */
export async function exportFinished(_database: Database, _exportRow: TExportView): Promise<void> {}
