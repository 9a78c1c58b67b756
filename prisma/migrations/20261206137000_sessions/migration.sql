-- Sessions you can end (issue 17, decision 021). A session cookie carries the user's session version at
-- sign-in; each request compares it with this column, so raising it ends every session signed before:
-- sign out everywhere, a password change or reset, and disabling (which re-enabling does not undo).
ALTER TABLE users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0;

-- One-time password reset links made by an admin (the users page) or the CLI. Only the sha256 of the
-- link's token is kept: it carries 256 random bits, so the hash cannot be reversed. Used once, then
-- marked; a newer link for the same user leaves older ones unusable (lib/auth/sessions.ts).
CREATE TABLE password_resets (
  token_hash CHAR(64) NOT NULL,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE ON UPDATE CASCADE,
  created_by INTEGER REFERENCES users(id) ON DELETE SET NULL ON UPDATE CASCADE,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  expires_at TIMESTAMPTZ(3) NOT NULL,
  used_at    TIMESTAMPTZ(3),
  CONSTRAINT password_resets_pkey PRIMARY KEY (token_hash)
);
CREATE INDEX password_resets_user_id_idx ON password_resets (user_id);

-- Gold stays hidden (issue 17): undo works on a gold check as on any pair, but the first answer keeps
-- its score. Undo writes it here; the gold scoring trigger (lib/quality/sql/gold.sql) scores the label
-- that replaces it with it. The first answer wins: a second undo changes nothing.
CREATE TABLE gold_first_answers (
  pair_id      BIGINT NOT NULL REFERENCES pairs(id) ON DELETE CASCADE ON UPDATE CASCADE,
  annotator_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE ON UPDATE CASCADE,
  gold_correct BOOLEAN NOT NULL,
  created_at   TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT gold_first_answers_pkey PRIMARY KEY (pair_id, annotator_id)
);
CREATE INDEX gold_first_answers_annotator_id_idx ON gold_first_answers (annotator_id);
