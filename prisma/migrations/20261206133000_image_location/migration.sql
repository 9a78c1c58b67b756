-- An original referenced where it is (s3://bucket/key in a manifest, a Parquet column or the pipeline
-- API): read once for its hash, size and derivatives, never copied into Loupe's store (decision 017).
-- NULL: the bytes are in Loupe's store under images/<sha256>.
ALTER TABLE images ADD COLUMN location text;
