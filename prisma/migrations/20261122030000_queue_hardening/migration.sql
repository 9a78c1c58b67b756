-- Queue hardening after review (docs/decisions/003-claiming-and-leases.md, "Races closed").

-- 1. Both "taken" triggers lock the pair row before looking at the other table. Without it, an undo
--    (delete label) racing the expiry sweep (delete lease) each saw the other's row still present
--    and neither gave the slot back, stranding the pair. Under the lock, the EXISTS check runs with a
--    fresh snapshot after the other transaction has committed. NO KEY UPDATE, not UPDATE: the label
--    insert's foreign-key check already holds KEY SHARE on the pair, and FOR UPDATE would conflict
--    with another submitter's KEY SHARE on the same pair (overlap 2) and deadlock.
CREATE OR REPLACE FUNCTION loupe_lease_taken() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM 1 FROM pairs WHERE id = NEW.pair_id FOR NO KEY UPDATE;
    IF NOT EXISTS (SELECT 1 FROM labels WHERE pair_id = NEW.pair_id AND annotator_id = NEW.annotator_id) THEN
      UPDATE pairs SET taken = taken + 1 WHERE id = NEW.pair_id;
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

CREATE OR REPLACE FUNCTION loupe_label_taken() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM 1 FROM pairs WHERE id = NEW.pair_id FOR NO KEY UPDATE;
    UPDATE pairs SET
      taken = taken + CASE WHEN EXISTS (SELECT 1 FROM leases WHERE pair_id = NEW.pair_id AND annotator_id = NEW.annotator_id) THEN 0 ELSE 1 END,
      label_count = label_count + 1,
      status = CASE WHEN status = 'open' AND label_count + 1 >= wanted THEN 'labelled'::"PairStatus" ELSE status END
    WHERE id = NEW.pair_id;
    RETURN NEW;
  ELSE
    PERFORM 1 FROM pairs WHERE id = OLD.pair_id FOR NO KEY UPDATE;
    UPDATE pairs SET
      taken = taken - CASE WHEN EXISTS (SELECT 1 FROM leases WHERE pair_id = OLD.pair_id AND annotator_id = OLD.annotator_id) THEN 0 ELSE 1 END,
      label_count = label_count - 1,
      status = CASE WHEN status = 'labelled' THEN 'open'::"PairStatus" ELSE status END
    WHERE id = OLD.pair_id;
    RETURN OLD;
  END IF;
END $$;

-- 2. Undecided leases per annotator and project are bounded by the database, not by a snapshot read:
--    each undecided lease occupies a numbered slot, unique while undecided. Claims use slots 1..2 (the
--    pair on screen and the prefetched one); an undo may take slot 3. Concurrent claims by one user
--    (several tabs, a retrying client) collide on the unique index and the loser retries and gets the
--    winner's lease back.
ALTER TABLE "leases" ADD COLUMN "slot" SMALLINT;
WITH ranked AS (
  SELECT id, row_number() OVER (PARTITION BY annotator_id, project_id ORDER BY created_at, id) AS rn
  FROM leases WHERE submitted_at IS NULL
)
UPDATE leases SET slot = ranked.rn FROM ranked WHERE leases.id = ranked.id AND ranked.rn <= 3;
DELETE FROM leases WHERE submitted_at IS NULL AND slot IS NULL;
ALTER TABLE "leases" ADD CONSTRAINT "leases_slot_check" CHECK ("slot" BETWEEN 1 AND 3);
ALTER TABLE "leases" ADD CONSTRAINT "leases_undecided_slot_check" CHECK ("submitted_at" IS NOT NULL OR "slot" IS NOT NULL);
CREATE UNIQUE INDEX "leases_undecided_slot_key" ON "leases"("annotator_id", "project_id", "slot") WHERE "submitted_at" IS NULL;
