-- Layouts datasets ship (decision 013): JSON arrays and WebDataset shards as formats; annotations whose image
-- paths point inside tar archives, read once into the image store with each member's path recorded here
-- (import_archive_members), resumably (imports.archive_index / archive_member: the member the scan has passed).
ALTER TABLE imports DROP CONSTRAINT imports_format_check;
ALTER TABLE imports ADD CONSTRAINT imports_format_check CHECK (format IN ('jsonl', 'csv', 'parquet', 'json', 'webdataset'));
ALTER TABLE imports ADD COLUMN archive_index INTEGER NOT NULL DEFAULT 0,
                    ADD COLUMN archive_member BIGINT NOT NULL DEFAULT 0;

-- A third image kept with the pair (AnyEdit's visual_input), shown and exported beside source and edited.
ALTER TABLE pairs ADD COLUMN reference_image CHAR(64);

-- An image member's path → its sha256 in the store, or why it is not an image. Rows go with the import.
CREATE TABLE import_archive_members (
  import_id BIGINT NOT NULL REFERENCES imports(id) ON DELETE CASCADE ON UPDATE CASCADE,
  path      TEXT NOT NULL,
  sha256    CHAR(64),
  problem   TEXT,
  CONSTRAINT import_archive_members_pkey PRIMARY KEY (import_id, path)
);
-- Annotation paths are often a tail of the member path (relative to a subset folder): a range over the
-- reversed path in byte order finds every member ending in "/<path>".
CREATE INDEX import_archive_members_suffix_idx ON import_archive_members (import_id, (reverse(path) COLLATE "C"));
