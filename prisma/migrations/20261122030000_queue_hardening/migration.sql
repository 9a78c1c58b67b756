-- Queue hardening after review (docs/decisions/003-claiming-and-leases.md, "Races closed").
-- The first half of this migration, locking the pair in both "taken" triggers, is in their
-- definition (lib/queue/sql/taken.sql).

-- Undecided leases per annotator and project are bounded by the database, not by a snapshot read:
-- each undecided lease occupies a numbered slot, unique while undecided. Claims use slots 1..2 (the
-- pair on screen and the prefetched one); an undo may take slot 3. Concurrent claims by one user
-- (several tabs, a retrying client) collide on the unique index and the loser retries and gets the
-- winner's lease back.
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
