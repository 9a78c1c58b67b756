-- Exports (issue 5): background export jobs, saved export filters, the index the export reads final
-- pairs by. The train / validation split is a SQL function (lib/exports/sql/split.sql) so the
-- canonical JSONL line can be built entirely in SQL (lib/exports/reader.ts).

CREATE TYPE "ExportStatus" AS ENUM ('queued', 'running', 'done', 'failed', 'cancelled');

CREATE TABLE exports (
  id           BIGSERIAL PRIMARY KEY,
  project_id   INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE ON UPDATE CASCADE,
  created_by   INTEGER REFERENCES users(id) ON DELETE SET NULL ON UPDATE CASCADE,
  format       TEXT NOT NULL,
  -- The filters as applied: a saved filter is expanded into its fields when the export is created,
  -- so later edits of the saved filter do not change what this export was.
  filters      JSONB NOT NULL,
  -- { images: "files" | "embedded", validationFraction }
  options      JSONB NOT NULL,
  status       "ExportStatus" NOT NULL DEFAULT 'queued',
  -- Pairs the filters matched when the job started (the progress bar's end; pairs finalised while it
  -- runs may add a few).
  total_rows   BIGINT,
  -- Pairs read and records written so far; last_pair_id is the keyset position of the last page.
  rows_done    BIGINT NOT NULL DEFAULT 0,
  records      BIGINT NOT NULL DEFAULT 0,
  last_pair_id BIGINT NOT NULL DEFAULT 0,
  -- Set when done: the data file and every file written, relative to LOUPE_DATA_DIR/exports/<id>/,
  -- the data file's size and sha256, and the manifest written beside it.
  data_file    TEXT,
  files        JSONB NOT NULL DEFAULT '[]',
  bytes        BIGINT,
  sha256       CHAR(64),
  manifest     JSONB,
  message      TEXT,
  attempts     INTEGER NOT NULL DEFAULT 0,
  created_at   TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  started_at   TIMESTAMPTZ(3),
  finished_at  TIMESTAMPTZ(3),
  -- Touched by every page: a running export whose heartbeat is old has lost its worker.
  updated_at   TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT exports_format_check CHECK (format IN ('canonical', 'gold-jsonl', 'gold-csv', 'gold-parquet', 'verifier-sft', 'verifier-preference')),
  CONSTRAINT exports_counts_check CHECK (rows_done >= 0 AND records >= 0)
);
CREATE INDEX exports_project_id_id_idx ON exports (project_id, id DESC);
CREATE INDEX exports_status_updated_at_idx ON exports (status, updated_at);

-- Named filter sets an admin saves on the Export page and applies again (or names in the CLI).
CREATE TABLE export_filters (
  id         SERIAL PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE ON UPDATE CASCADE,
  name       TEXT NOT NULL,
  filters    JSONB NOT NULL,
  created_by INTEGER REFERENCES users(id) ON DELETE SET NULL ON UPDATE CASCADE,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT export_filters_name_check CHECK (name = btrim(name) AND length(name) BETWEEN 1 AND 80)
);
CREATE UNIQUE INDEX export_filters_project_id_name_key ON export_filters (project_id, name);

-- The export reads a project's final pairs in id order, a page at a time (id > last ORDER BY id
-- LIMIT n). Partial, so it only holds final pairs; `final_decision IS NOT NULL` is the same set as
-- status = 'final' (pairs_final_check). Settling a pair already changes indexed columns (taken,
-- status), so this index costs those updates no HOT they had.
CREATE INDEX pairs_final_idx ON pairs (project_id, id) WHERE final_decision IS NOT NULL;
