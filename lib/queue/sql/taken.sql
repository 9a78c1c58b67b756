-- pairs.taken, label_count and status, kept exact by triggers on leases and labels whatever path
-- writes them. "taken" counts the distinct annotators holding a lease or a label on a pair, the
-- overlap rule's constraint (pairs_taken_check); a lease is kept after its label is submitted (for
-- undo), so each side only counts when the other is absent.
--
-- A definition file: the migration runner applies it whenever it changes, after the numbered
-- migrations (lib/db/definitions.ts; docs/decisions/010-database-rules-in-features.md).

-- Both triggers lock the pair row before looking at the other table. Without it, an undo (delete
-- label) racing the expiry sweep (delete lease) each saw the other's row still present and neither
-- gave the slot back, stranding the pair. Under the lock, the EXISTS check runs with a fresh snapshot
-- after the other transaction has committed. NO KEY UPDATE, not UPDATE: the label insert's
-- foreign-key check already holds KEY SHARE on the pair, and FOR UPDATE would conflict with another
-- submitter's KEY SHARE on the same pair (overlap 2) and deadlock (docs/decisions/003-claiming-and-leases.md).
CREATE OR REPLACE FUNCTION loupe_lease_taken() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM 1 FROM pairs WHERE id = NEW.pair_id FOR NO KEY UPDATE;
    IF NOT EXISTS (SELECT 1 FROM labels WHERE pair_id = NEW.pair_id AND annotator_id = NEW.annotator_id) THEN
      -- The first lease of a pair nobody started fixes its overlap at the project's current one: an
      -- overlap change reaches such pairs in the background (lib/quality/recompute.ts), and one claimed
      -- before the run gets to it must not settle on the old count.
      UPDATE pairs p SET taken = p.taken + 1,
                         wanted = CASE WHEN p.taken = 0 AND p.label_count = 0 AND p.status = 'open' AND NOT p.is_gold
                                       THEN (SELECT pr.overlap FROM projects pr WHERE pr.id = p.project_id) ELSE p.wanted END
      WHERE p.id = NEW.pair_id;
    END IF;
    RETURN NEW;
  ELSE
    PERFORM 1 FROM pairs WHERE id = OLD.pair_id FOR NO KEY UPDATE;
    IF NOT EXISTS (SELECT 1 FROM labels WHERE pair_id = OLD.pair_id AND annotator_id = OLD.annotator_id) THEN
      UPDATE pairs SET taken = taken - 1 WHERE id = OLD.pair_id;
    END IF;
    RETURN OLD;
  END IF;
END $$;

-- The label trigger also settles a pair when its last wanted label arrives (loupe_settle_pair,
-- lib/quality/sql/consensus.sql), and an undone label re-opens a pair that consensus had settled (a
-- reviewed or gold pair is never re-opened; undo refuses those).
CREATE OR REPLACE FUNCTION loupe_label_taken() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p record;
  d_taken int;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT status, label_count, wanted, is_gold INTO p FROM pairs WHERE id = NEW.pair_id FOR NO KEY UPDATE;
    d_taken := CASE WHEN EXISTS (SELECT 1 FROM leases WHERE pair_id = NEW.pair_id AND annotator_id = NEW.annotator_id) THEN 0 ELSE 1 END;
    IF p.status = 'open' AND p.label_count + 1 >= p.wanted AND NOT p.is_gold THEN
      -- The last wanted label: settle, with the counters, in one write of the pair row.
      PERFORM loupe_settle_pair(NEW.pair_id, d_taken, 1);
    ELSE
      UPDATE pairs SET taken = taken + d_taken, label_count = label_count + 1 WHERE id = NEW.pair_id;
    END IF;
    RETURN NEW;
  ELSE
    PERFORM 1 FROM pairs WHERE id = OLD.pair_id FOR NO KEY UPDATE;
    UPDATE pairs SET
      taken = taken - CASE WHEN EXISTS (SELECT 1 FROM leases WHERE pair_id = OLD.pair_id AND annotator_id = OLD.annotator_id) THEN 0 ELSE 1 END,
      label_count = label_count - 1,
      status = CASE WHEN status = 'labelled' OR (NOT is_gold AND reviewed_at IS NULL AND status IN ('final', 'in_review'))
                    THEN 'open'::"PairStatus" ELSE status END,
      final_decision = CASE WHEN NOT is_gold AND reviewed_at IS NULL THEN NULL ELSE final_decision END,
      final_instruction = CASE WHEN NOT is_gold AND reviewed_at IS NULL THEN NULL ELSE final_instruction END,
      final_reasons = CASE WHEN NOT is_gold AND reviewed_at IS NULL THEN ARRAY[]::text[] ELSE final_reasons END,
      final_source = CASE WHEN NOT is_gold AND reviewed_at IS NULL THEN NULL ELSE final_source END,
      finalized_at = CASE WHEN NOT is_gold AND reviewed_at IS NULL THEN NULL ELSE finalized_at END,
      agreement = CASE WHEN NOT is_gold AND reviewed_at IS NULL THEN NULL ELSE agreement END,
      review_reasons = CASE WHEN NOT is_gold AND reviewed_at IS NULL THEN ARRAY[]::text[] ELSE review_reasons END,
      routed_at = CASE WHEN NOT is_gold AND reviewed_at IS NULL THEN NULL ELSE routed_at END,
      review_claimed_by = CASE WHEN NOT is_gold AND reviewed_at IS NULL THEN NULL ELSE review_claimed_by END,
      review_claimed_until = CASE WHEN NOT is_gold AND reviewed_at IS NULL THEN NULL ELSE review_claimed_until END
    WHERE id = OLD.pair_id;
    RETURN OLD;
  END IF;
END $$;

CREATE OR REPLACE TRIGGER leases_taken AFTER INSERT OR DELETE ON "leases" FOR EACH ROW EXECUTE FUNCTION loupe_lease_taken();
CREATE OR REPLACE TRIGGER labels_taken AFTER INSERT OR DELETE ON "labels" FOR EACH ROW EXECUTE FUNCTION loupe_label_taken();
