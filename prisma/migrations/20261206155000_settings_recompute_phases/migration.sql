-- The keys work of a settings recompute in two phases, each over only the pairs it needs
-- (lib/quality/recompute.ts, docs/decisions/027): first the open pairs' queue keys, the claim order, by id
-- over the open pairs (keys_after now an id); then every pair's kept margin, by id (margins_*), which a
-- change of the verifier rule alone does not need. The active version's output is re-copied onto the pairs
-- only when the active version changed (copy_outputs).
ALTER TABLE settings_recomputes
  ALTER COLUMN keys_after TYPE BIGINT USING 0,
  ALTER COLUMN keys_after SET DEFAULT 0,
  ALTER COLUMN keys_after SET NOT NULL,
  ADD COLUMN margins_pending BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN margins_after BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN copy_outputs BOOLEAN NOT NULL DEFAULT false;

-- A run left unfinished by the previous version restarts its keys work from the start (its checkpoint was an
-- external id), with the whole scope it had: every pair, the outputs re-copied.
UPDATE settings_recomputes SET margins_pending = keys_pending, copy_outputs = keys_pending WHERE finished_at IS NULL;
