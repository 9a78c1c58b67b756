-- The admin's data browser (lib/browse, docs/decisions/029-data-browser.md): one index per sort the
-- browser offers, so a page walks an index in order and stops after a bounded number of rows, and a
-- full-text index over the instructions. 'simple' config: instructions are in many languages and
-- editing verbs ("remove", "add") must not be dropped as stop words or folded by an English stemmer.
CREATE INDEX pairs_browse_id_idx ON pairs (project_id, id);
CREATE INDEX pairs_browse_status_idx ON pairs (project_id, status, id);
CREATE INDEX pairs_browse_finalized_idx ON pairs (project_id, finalized_at, id) WHERE finalized_at IS NOT NULL;
CREATE INDEX pairs_instruction_fts_idx ON pairs USING gin (to_tsvector('simple'::regconfig, instruction));
-- A pair's page shows its audit trail: the rows about it, newest first.
CREATE INDEX audit_events_subject_idx ON audit_events (subject_type, subject_id, id);
