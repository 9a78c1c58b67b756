-- Where each imported pair came from, and every row an import found already present (issue 12).
--
-- pairs.import_* name the import, the file (its index in imports.files) and the record (0-based within
-- that file; plus its line for JSONL and CSV) that inserted the pair, so a later row with the same id
-- can be reported with the earlier row it matched. NULL for pairs from the pipeline API and for pairs
-- imported before this migration. No foreign key: imports are deleted only with their project, whose
-- pairs go with it, and a per-row check would slow every bulk insert (and ON DELETE SET NULL would need
-- an index on pairs(import_id) that no query reads).
ALTER TABLE pairs
  ADD COLUMN import_id     BIGINT,
  ADD COLUMN import_file   INTEGER,
  ADD COLUMN import_record BIGINT,
  ADD COLUMN import_line   BIGINT;

-- The invalid row's own id, when the row had a readable one (the report and the CLI name it).
ALTER TABLE import_errors ADD COLUMN external_id TEXT;

-- One row per record that was already present, keyed by its position like import_errors, so a resumed
-- batch cannot report it twice. pair_id is the pair it matched (no foreign key, as above: the report
-- shows nothing for a pair deleted since).
CREATE TABLE import_duplicates (
  import_id    BIGINT NOT NULL REFERENCES imports(id) ON DELETE CASCADE ON UPDATE CASCADE,
  file_index   INTEGER NOT NULL,
  record_index BIGINT NOT NULL,
  file         TEXT NOT NULL,
  line         BIGINT,
  row_group    INTEGER,
  row_in_group INTEGER,
  external_id  TEXT NOT NULL,
  pair_id      BIGINT,
  PRIMARY KEY (import_id, file_index, record_index)
);
