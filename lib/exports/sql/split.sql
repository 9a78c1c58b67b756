-- The train / validation split of an export (docs/decisions/009-export.md): a number in [0, 1) from
-- the first 52 bits (13 hex digits) of sha256('loupe-split' || NUL || external_id), the same figure as
-- splitHash() in lib/exports/split.ts, so a pair lands on the same side in every export, on every
-- database, in SQL and in Node. The canonical line is built in SQL with it (lib/exports/reader.ts).
-- STABLE, not IMMUTABLE, because convert_to() is STABLE: a function declared stricter than its body
-- is not inlined, and the export calls it for every pair.
--
-- A definition file: the migration runner applies it whenever it changes, after the numbered
-- migrations (lib/db/definitions.ts; docs/decisions/010-database-rules-in-features.md).

CREATE OR REPLACE FUNCTION loupe_split_hash(external_id text) RETURNS double precision
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT ('x' || substr(encode(sha256('\x6c6f7570652d73706c697400'::bytea || convert_to(external_id, 'UTF8')), 'hex'), 1, 13))::bit(52)::bigint::double precision
         / 4503599627370496
$$;
