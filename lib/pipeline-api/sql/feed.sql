-- The labels feed's cursor key (lib/pipeline-api/labels.ts; docs/decisions/008-pipeline-api.md):
-- pairs.final_xid is the id of the transaction that last made the pair final, changed its final
-- answer, or took it back out of final; the feed reads only rows whose xid is below the oldest running
-- transaction, so nothing can land behind a cursor already handed out.
--
-- A definition file: the migration runner applies it whenever it changes, after the numbered
-- migrations (lib/db/definitions.ts; docs/decisions/010-database-rules-in-features.md).

CREATE OR REPLACE FUNCTION loupe_pair_final_xid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The top-level transaction's id, also inside a savepoint (the import's batch insert uses one).
  NEW.final_xid := pg_current_xact_id()::text::bigint;
  RETURN NEW;
END $$;

-- WHEN is evaluated without entering plpgsql, and UPDATE OF skips the trigger entirely for the hot
-- path's updates (taken, label_count), so only a change of the final answer pays for it. is_gold is
-- in the list because the feed serves a `gold` flag: a final pair promoted to gold (lib/quality/gold.ts
-- changes no final_* column) must be served again with it.
CREATE OR REPLACE TRIGGER pairs_final_xid_ins BEFORE INSERT ON pairs FOR EACH ROW
  WHEN (NEW.status = 'final') EXECUTE FUNCTION loupe_pair_final_xid();
CREATE OR REPLACE TRIGGER pairs_final_xid_upd BEFORE UPDATE OF status, final_decision, final_instruction, final_reasons, final_source, is_gold ON pairs
  FOR EACH ROW
  WHEN ((NEW.status = 'final' AND (OLD.status IS DISTINCT FROM NEW.status
                                   OR OLD.final_decision IS DISTINCT FROM NEW.final_decision
                                   OR OLD.final_instruction IS DISTINCT FROM NEW.final_instruction
                                   OR OLD.final_reasons IS DISTINCT FROM NEW.final_reasons
                                   OR OLD.final_source IS DISTINCT FROM NEW.final_source
                                   OR OLD.is_gold IS DISTINCT FROM NEW.is_gold))
        OR (OLD.status = 'final' AND NEW.status <> 'final'))
  EXECUTE FUNCTION loupe_pair_final_xid();

-- Transaction ids only grow within one PostgreSQL cluster. Restored from a dump into another cluster
-- (or copied there), pairs keep final_xid values that may lie beyond the new cluster's counter: the
-- feed would hide them (it reads below pg_snapshot_xmin) and sort new finalisations before them.
-- loupe_repair_final_xid() moves such values to its own transaction's id, which is later than any
-- cursor handed out so far, so those pairs are simply served again; it also moves the feed's epoch
-- (the sequence pairs_final_feed_epoch), which every cursor carries, so a cursor taken before the
-- move is refused with a 400 instead of silently skipping pairs. The migration runner calls it after
-- every run (repairFeedXids in lib/db/migrate.ts): the check is one index probe per project.
CREATE OR REPLACE FUNCTION loupe_repair_final_xid() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  -- Two processes starting at once: the second waits, then finds nothing left to move.
  PERFORM pg_advisory_xact_lock(7241954);
  -- The bound is this statement's own snapshot: a row it sees was written by a transaction below its
  -- xmax, so a final_xid at or above it cannot have come from this cluster. Walks pairs_final_feed_idx
  -- backwards, once per project.
  IF NOT EXISTS (
    SELECT 1 FROM projects pr
    WHERE (SELECT p.final_xid FROM pairs p WHERE p.project_id = pr.id AND p.final_xid IS NOT NULL
           ORDER BY p.final_xid DESC LIMIT 1) >= pg_snapshot_xmax(pg_current_snapshot())::text::bigint) THEN
    RETURN 0;
  END IF;
  PERFORM nextval('pairs_final_feed_epoch');
  UPDATE pairs SET final_xid = pg_current_xact_id()::text::bigint
   WHERE final_xid IS NOT NULL AND final_xid >= pg_snapshot_xmax(pg_current_snapshot())::text::bigint;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
