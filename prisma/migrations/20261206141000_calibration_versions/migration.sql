-- Verifier versions compared on the same human-labelled pairs (issue 14 point 5, decision 024).
-- A summary computed on demand, in steps of a project's pairs by id, so that the calibration page reads
-- a few thousand grouped rows whatever the project's size, and shows the summary's age.
--
-- calibration_version_runs: one row per project: the published summary's time, scope and the keep
-- rule it was computed with, and the run in progress (its cursor) if any.
CREATE TABLE calibration_version_runs (
  project_id      INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE ON UPDATE CASCADE,
  published_at    TIMESTAMPTZ(3),
  published_pairs BIGINT NOT NULL DEFAULT 0,
  published_rule  TEXT,
  published_scales JSONB,
  run_started_at  TIMESTAMPTZ(3),
  run_cursor      BIGINT,
  run_first_id    BIGINT,
  run_last_id     BIGINT,
  run_pairs       BIGINT NOT NULL DEFAULT 0,
  run_rule        TEXT,
  run_scales      JSONB,
  updated_at      TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT calibration_version_runs_pkey PRIMARY KEY (project_id)
);

-- Final pairs with verifier outputs, counted by the set of versions the pair has (`versions`, sorted),
-- the version, task, subtask, gold, the human outcome and either the version's verdict (key '') or one
-- declared score's bin (key = the score's key; `bin` as lib/calibration/queries.ts rounds it, `min` the
-- lowest oriented score in it). Comparing versions S reads the rows whose `versions` contain S: the pairs
-- that have an output from every compared version.
CREATE TABLE calibration_version_counts (
  id         BIGSERIAL NOT NULL,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE ON UPDATE CASCADE,
  versions   TEXT[] NOT NULL,
  version    TEXT NOT NULL,
  task       TEXT,
  subtask    TEXT,
  is_gold    BOOLEAN NOT NULL,
  accepted   BOOLEAN NOT NULL,
  verdict    BOOLEAN,
  key        TEXT NOT NULL,
  bin        DOUBLE PRECISION NOT NULL,
  min        DOUBLE PRECISION,
  n          BIGINT NOT NULL,
  CONSTRAINT calibration_version_counts_pkey PRIMARY KEY (id)
);
CREATE INDEX calibration_version_counts_project_id_idx ON calibration_version_counts (project_id);

-- A run's per-step rows, grouped into calibration_version_counts when the run finishes.
CREATE TABLE calibration_version_partials (
  id         BIGSERIAL NOT NULL,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE ON UPDATE CASCADE,
  versions   TEXT[] NOT NULL,
  version    TEXT NOT NULL,
  task       TEXT,
  subtask    TEXT,
  is_gold    BOOLEAN NOT NULL,
  accepted   BOOLEAN NOT NULL,
  verdict    BOOLEAN,
  key        TEXT NOT NULL,
  bin        DOUBLE PRECISION NOT NULL,
  min        DOUBLE PRECISION,
  n          BIGINT NOT NULL,
  CONSTRAINT calibration_version_partials_pkey PRIMARY KEY (id)
);
CREATE INDEX calibration_version_partials_project_id_idx ON calibration_version_partials (project_id);
