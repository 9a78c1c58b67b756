-- Image work off the import's critical path (decision 015): a pair inserted without its previews and change
-- map gets a row here in the same statement; background workers (lib/imports/derivatives.ts) claim rows with
-- a lease, fill the pair's derivative columns and delete the row. The table, not any process's memory, is
-- the work list, so a crashed worker's rows are claimed again once their lease runs out.
CREATE TABLE pair_derivatives (
  pair_id     BIGINT NOT NULL REFERENCES pairs(id) ON DELETE CASCADE ON UPDATE CASCADE,
  lease_until TIMESTAMPTZ(3),
  attempts    INTEGER NOT NULL DEFAULT 0,
  CONSTRAINT pair_derivatives_pkey PRIMARY KEY (pair_id)
);
