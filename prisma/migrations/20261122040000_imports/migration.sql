-- Imports (issue 3): background import jobs with a transactional checkpoint, their invalid rows,
-- uploaded files, and what the import derives for each pair (previews and the change map).

CREATE TYPE "ImportStatus" AS ENUM ('queued', 'running', 'done', 'failed', 'cancelled');

CREATE TABLE imports (
  id           BIGSERIAL PRIMARY KEY,
  project_id   INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE ON UPDATE CASCADE,
  created_by   INTEGER REFERENCES users(id) ON DELETE SET NULL ON UPDATE CASCADE,
  status       "ImportStatus" NOT NULL DEFAULT 'queued',
  format       TEXT NOT NULL,
  preset       TEXT,
  -- What was asked: mapping, encoding, delimiter, image root. Read by whichever worker runs the job.
  request      JSONB NOT NULL,
  source_label TEXT NOT NULL,
  -- [{ path, display, size }]: the files, fixed when the import is created so a resume reads the same ones.
  files        JSONB NOT NULL,
  total_rows   BIGINT,
  total_bytes  BIGINT NOT NULL DEFAULT 0,
  -- Checkpoint: the next record to read is record `record_index` of file `file_index`. Advanced in the
  -- same transaction as the rows it covers, so a killed job resumes with no duplicates and no gaps.
  file_index   INTEGER NOT NULL DEFAULT 0,
  record_index BIGINT NOT NULL DEFAULT 0,
  rows_done    BIGINT NOT NULL DEFAULT 0,
  bytes_done   BIGINT NOT NULL DEFAULT 0,
  inserted     BIGINT NOT NULL DEFAULT 0,
  duplicates   BIGINT NOT NULL DEFAULT 0,
  invalid      BIGINT NOT NULL DEFAULT 0,
  message      TEXT,
  attempts     INTEGER NOT NULL DEFAULT 0,
  created_at   TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  started_at   TIMESTAMPTZ(3),
  finished_at  TIMESTAMPTZ(3),
  -- Touched by every checkpoint: a running import whose heartbeat is old has lost its worker.
  updated_at   TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT imports_format_check CHECK (format IN ('jsonl', 'csv', 'parquet')),
  CONSTRAINT imports_counts_check CHECK (inserted >= 0 AND duplicates >= 0 AND invalid >= 0 AND rows_done >= 0)
);
CREATE INDEX imports_project_id_id_idx ON imports (project_id, id DESC);
CREATE INDEX imports_status_updated_at_idx ON imports (status, updated_at);

-- One row per invalid record, keyed by its position so a resumed batch cannot report it twice.
CREATE TABLE import_errors (
  import_id    BIGINT NOT NULL REFERENCES imports(id) ON DELETE CASCADE ON UPDATE CASCADE,
  file_index   INTEGER NOT NULL,
  record_index BIGINT NOT NULL,
  file         TEXT NOT NULL,
  line         BIGINT,
  row_group    INTEGER,
  row_in_group INTEGER,
  reason       TEXT NOT NULL,
  PRIMARY KEY (import_id, file_index, record_index)
);

CREATE TABLE uploads (
  id         UUID PRIMARY KEY,
  created_by INTEGER REFERENCES users(id) ON DELETE SET NULL ON UPDATE CASCADE,
  name       TEXT NOT NULL,
  size       BIGINT NOT NULL,
  path       TEXT NOT NULL,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- The preview the browser is shown for an image (its own sha256 when the original is small and
-- browser-friendly). NULL only for images stored before previews existed: they serve as their own.
ALTER TABLE images ADD COLUMN preview_sha256 CHAR(64);

-- Denormalised onto pairs so the claim returns what the compare view needs without joins, and so
-- queues can sort on the change statistics.
ALTER TABLE pairs
  ADD COLUMN source_preview      CHAR(64),
  ADD COLUMN edited_preview      CHAR(64),
  ADD COLUMN heatmap_image       CHAR(64),
  ADD COLUMN change_fraction     REAL,
  ADD COLUMN ssim                REAL,
  ADD COLUMN change_outside_mask REAL,
  ADD CONSTRAINT pairs_change_check CHECK (
    (change_fraction IS NULL OR change_fraction BETWEEN 0 AND 1)
    AND (change_outside_mask IS NULL OR change_outside_mask BETWEEN 0 AND 1)
    AND (ssim IS NULL OR ssim BETWEEN -1 AND 1)
  );
