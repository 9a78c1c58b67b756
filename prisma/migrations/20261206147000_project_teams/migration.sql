-- Projects for teams (issue 16 point 4, decision 030). A project stays open to every annotator and
-- reviewer until an admin first edits its members: that sets `restricted`, and from then on only the
-- members with the matching right claim its pairs or its review queue. Admins are never refused.
ALTER TABLE projects ADD COLUMN restricted BOOLEAN NOT NULL DEFAULT false;
-- Archived: read-only (claims, submits, reviews and imports refused) and hidden from annotators.
ALTER TABLE projects ADD COLUMN archived_at TIMESTAMPTZ(3);
-- Deleting: hidden everywhere and refused like an archived project while lib/projects/purge.ts removes
-- its pairs in batches in the background; the project row goes last.
ALTER TABLE projects ADD COLUMN deleting_at TIMESTAMPTZ(3);

CREATE TABLE project_members (
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE ON UPDATE CASCADE,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE ON UPDATE CASCADE,
  annotates  BOOLEAN NOT NULL DEFAULT false,
  reviews    BOOLEAN NOT NULL DEFAULT false,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT project_members_pkey PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user_id_idx ON project_members (user_id);
