-- Multi-turn sessions (issue 12): a pair knows the session it belongs to and its turn in it, so the
-- annotate and review pages can show the earlier turns and exports carry both (MagicBrush: img_id and
-- turn_index, where turn n edits turn n-1's output). NULL for single-turn pairs.
ALTER TABLE pairs
  ADD COLUMN session_id TEXT,
  ADD COLUMN turn       INTEGER;

-- The earlier turns of a pair's session are read by (project, session) in turn order. Partial: most
-- pairs have no session, and they need no entry.
CREATE INDEX pairs_session_idx ON pairs (project_id, session_id, turn) WHERE session_id IS NOT NULL;
