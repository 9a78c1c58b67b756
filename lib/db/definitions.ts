// The database's rules (plpgsql functions and their triggers) live in SQL files in the features that
// own them. The migration runner applies them all, in this order and in one transaction, after the
// numbered migrations whenever a file changed or a migration ran (lib/db/migrate.ts;
// docs/decisions/010-database-rules-in-features.md). Paths are from the project root.
//
// The order is part of the review: a function before the SQL-language functions that call it (their
// bodies are checked against what exists when they are created; plpgsql bodies are not), and in each
// file its functions before its triggers.
export const DEFINITION_FILES = [
  "lib/projects/sql/counts.sql",
  "lib/quality/sql/text-distance.sql",
  // loupe_verifier_verdict and the margin, before consensus.sql and queue-keys.sql that call them
  "lib/quality/sql/verifier.sql",
  "lib/quality/sql/consensus.sql",
  // loupe_gold_correct calls loupe_text_distance
  "lib/quality/sql/gold.sql",
  "lib/quality/sql/pauses.sql",
  "lib/quality/sql/aggregates.sql",
  "lib/calibration/sql/kept.sql",
  "lib/queue/sql/taken.sql",
  "lib/queue/sql/queue-keys.sql",
  "lib/pipeline-api/sql/feed.sql",
  "lib/webhooks/sql/emit.sql",
  "lib/exports/sql/split.sql",
] as const;
