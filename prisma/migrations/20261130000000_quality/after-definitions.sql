-- Pairs that already had all their labels before this migration settle now. Runs once, after the
-- definition files (consensus is one of them), in their transaction (lib/db/migrate.ts).
SELECT loupe_settle_pair(id) FROM pairs WHERE status = 'labelled';
