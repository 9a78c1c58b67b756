// What a finished import amounted to; pure, shared by the job (its closing message), the API view, the
// admin UI and the CLI, so none of them calls an import that inserted nothing "done" in green.

export type TImportOutcome =
  /** At least one pair was inserted. */
  | "imported"
  /** Every row was already in the project. */
  | "nothing-new"
  /** Nothing inserted and some rows invalid: the admin has something to fix. */
  | "nothing-imported"
  /** The source had no rows. */
  | "empty";

export interface TImportCounts {
  rowsDone: number;
  inserted: number;
  duplicates: number;
  invalid: number;
}

export function importOutcome(c: TImportCounts): TImportOutcome {
  if (c.inserted > 0) return "imported";
  if (c.rowsDone === 0 && c.duplicates === 0 && c.invalid === 0) return "empty";
  return c.invalid > 0 ? "nothing-imported" : "nothing-new";
}

const rows = (n: number) => `${n.toLocaleString("en-US")} ${n === 1 ? "row" : "rows"}`;

/** The sentence a finished import ends with. */
export function importOutcomeMessage(c: TImportCounts): string {
  switch (importOutcome(c)) {
    case "imported":
      return `Imported ${c.rowsDone} rows: ${c.inserted} inserted, ${c.duplicates} already present, ${c.invalid} invalid.`;
    case "empty":
      return "The source has no rows: nothing was inserted.";
    case "nothing-new":
      return `Nothing new: ${rows(c.duplicates)} already present.`;
    case "nothing-imported":
      return c.duplicates > 0
        ? `Nothing inserted: ${rows(c.invalid)} invalid, ${rows(c.duplicates)} already present.`
        : `Nothing inserted: ${c.invalid === 1 ? "the only row is" : `all ${rows(c.invalid)} are`} invalid.`;
  }
}

/** "m.csv, line 3" or "object_addition_0000.parquet, row group 0, row 17": where a record is, for people. */
export function describeLocation(loc: { file: string; index: number; line?: number; rowGroup?: number; row?: number }): string {
  if (loc.line !== undefined) return `${loc.file}, line ${loc.line}`;
  if (loc.rowGroup !== undefined) return `${loc.file}, row group ${loc.rowGroup}, row ${loc.row ?? 0}`;
  return `${loc.file}, record ${loc.index + 1}`;
}
