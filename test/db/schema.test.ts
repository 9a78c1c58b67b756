import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, freshDatabase, type TestDatabase } from "@/test/support/db";
import { compareSchema, type SqlOnlyObjects } from "@/test/support/schema/compare";
import { datamodelFromSource, dbNameOf, loadDatamodel, SCHEMA_PATH } from "@/test/support/schema/datamodel";

// Proves that the hand-written SQL in prisma/migrations and the definition files (lib/db/definitions.ts),
// applied to an empty database, produce exactly the database prisma/schema.prisma describes: tables,
// columns, types, nullability, defaults, enums, primary keys, unique constraints, indexes and foreign
// keys — in both directions.
// schema.prisma is read with Prisma's own parser (see test/support/schema/datamodel.ts).

/** SQL-only objects (Prisma cannot express them); anything else beyond schema.prisma fails, as does a stale entry. */
const SQL_ONLY: SqlOnlyObjects = {
  // The migration runner's bookkeeping (lib/db/migrate.ts), not part of the data model.
  tables: [
    "_loupe_migrations",
    "_loupe_definitions",
    // Signed rows the kept figures' triggers append, folded into their tables (lib/quality/kept.ts).
    "annotator_totals_delta",
    "label_hours_delta",
    "quality_days_delta",
    "agreement_cells_delta",
    "agreement_shapes_delta",
    "pair_tallies_delta",
    "calibration_scopes_delta",
    "calibration_bins_delta",
    "gold_summary_delta",
  ],
  indexes: {
    pairs_open_work_idx: "pairs", // partial: WHERE taken < wanted AND NOT is_gold (lib/queue/claim.ts)
    pairs_gold_idx: "pairs", // partial: WHERE gold_active (the claim's gold pick)
    pairs_is_gold_idx: "pairs", // partial: WHERE is_gold (the admin's gold list)
    pairs_review_idx: "pairs", // partial: WHERE status = 'in_review' (the review queue)
    pairs_final_verifier_idx: "pairs", // partial, covering: WHERE status = 'final' (verifier calibration)
    labels_gold_idx: "labels", // partial: WHERE gold_correct IS NOT NULL (gold accuracy)
    labels_gold_pair_idx: "labels", // partial, INCLUDE: WHERE gold_correct IS NOT NULL (a gold pair's checks, lib/quality/gold.ts)
    leases_undecided_slot_key: "leases", // partial unique: WHERE submitted_at IS NULL
    webhook_deliveries_due_idx: "webhook_deliveries", // partial: WHERE status IN ('pending', 'delivering') (the worker's claim)
    webhook_deliveries_in_flight_idx: "webhook_deliveries", // partial: WHERE status = 'delivering' (the claim's per-endpoint cap)
    webhook_deliveries_finished_idx: "webhook_deliveries", // partial: WHERE status IN ('delivered', 'failed') (pruning)
    pairs_final_feed_idx: "pairs", // partial, INCLUDE: WHERE final_xid IS NOT NULL (lib/pipeline-api/labels.ts)
    pairs_final_idx: "pairs", // partial: WHERE final_decision IS NOT NULL (the export's keyset pages)
    pairs_queue_uncertainty_idx: "pairs", // partial: open regular work by queue order (lib/queue/order.ts)
    pairs_queue_disagreement_idx: "pairs",
    pairs_queue_subtask_idx: "pairs",
    pairs_queue_audit_idx: "pairs", // partial: the audit round's open pairs (lib/queue/order.ts)
    pairs_session_idx: "pairs", // partial: WHERE session_id IS NOT NULL (a pair's earlier turns, lib/queue/session.ts)
    import_archive_members_suffix_idx: "import_archive_members", // expression: reverse(path) COLLATE "C" (archive path lookup)
    pairs_verifier_margin_idx: "pairs", // partial: WHERE NOT is_gold (the verdict filter on the active verifier version)
    pairs_browse_finalized_idx: "pairs", // partial: WHERE finalized_at IS NOT NULL (the data browser's finalised order, lib/browse)
    pairs_instruction_fts_idx: "pairs", // expression, GIN: to_tsvector('simple', instruction) (the data browser's search)
    pairs_review_claimed_idx: "pairs", // partial: live reviewer claims (lib/review/sql.ts)
    agreement_shapes_key: "agreement_shapes", // unique NULLS NOT DISTINCT (task, subtask may be NULL)
    pair_tallies_key: "pair_tallies", // unique NULLS NOT DISTINCT
    calibration_scopes_key: "calibration_scopes", // unique NULLS NOT DISTINCT (lib/calibration/sql/kept.sql)
    calibration_bins_key: "calibration_bins",
  },
  checks: {
    users_email_lower_check: "users",
    projects_overlap_check: "projects",
    projects_lease_seconds_check: "projects",
    projects_reject_reasons_check: "projects",
    pairs_taken_check: "pairs",
    pairs_wanted_check: "pairs",
    pairs_label_count_check: "pairs",
    pairs_scores_check: "pairs",
    leases_slot_check: "leases",
    leases_undecided_slot_check: "leases",
    labels_seconds_check: "labels",
    labels_recaption_check: "labels",
    labels_reasons_check: "labels",
    pairs_change_check: "pairs",
    imports_format_check: "imports",
    imports_counts_check: "imports",
    projects_quality_check: "projects",
    pairs_gold_check: "pairs",
    pairs_final_check: "pairs",
    webhook_endpoints_events_check: "webhook_endpoints",
    webhook_endpoints_url_check: "webhook_endpoints",
    webhook_deliveries_status_check: "webhook_deliveries",
    webhook_deliveries_event_check: "webhook_deliveries",
    webhook_deliveries_attempts_check: "webhook_deliveries",
    api_tokens_name_check: "api_tokens",
    exports_format_check: "exports",
    exports_counts_check: "exports",
    export_filters_name_check: "export_filters",
    projects_queue_order_check: "projects",
    audit_rounds_allocation_check: "audit_rounds",
    pair_verifier_outputs_scores_check: "pair_verifier_outputs",
    project_annotators_daily_goal_check: "project_annotators",
  },
  triggers: {
    leases_taken: "leases", // keeps pairs.taken exact
    labels_taken: "labels", // keeps pairs.taken, label_count and status exact
    pairs_counts_ins: "pairs", // keep project_counts (progress, project lists) exact
    pairs_counts_del: "pairs",
    pairs_counts_upd: "pairs",
    labels_gold: "labels", // scores a label on a gold pair (labels.gold_correct)
    labels_pause: "labels", // pauses an annotator whose gold accuracy fell under the threshold
    skips_pause: "skips", // a skipped gold pair counts as a miss
    pairs_webhook_finalized: "pairs", // queues "pair.finalized" webhook deliveries (lib/webhooks)
    pairs_webhook_reopened: "pairs", // queues "pair.reopened" when a final pair is withdrawn
    pairs_final_xid_ins: "pairs", // the labels feed's cursor key (lib/pipeline-api/labels.ts)
    pairs_final_xid_upd: "pairs",
    pairs_queue_keys: "pairs", // sets the queue order keys of each inserted pair
    pairs_queue_strata: "pairs", // writes the stratum ranks back to queue_strata once per statement
    pairs_verifier_keys: "pairs", // the margin and an open pair's keys follow its verifier copy
    pairs_verifier_outputs: "pairs", // records an inserted pair's verifier output as its version's row
    pair_verifier_outputs_copy: "pair_verifier_outputs", // copies the active version's output onto the pair
    labels_aggregates: "labels", // kept figures (lib/quality/sql/aggregates.sql)
    labels_aggregates_gold: "labels",
    pairs_aggregates_ins: "pairs",
    pairs_aggregates_del: "pairs",
    pairs_aggregates_upd: "pairs",
    audit_events_adjudication_day: "audit_events",
    pairs_calibration_upd: "pairs", // calibration's kept figures (lib/calibration/sql/kept.sql)
    pairs_calibration_ins: "pairs",
    pairs_calibration_del: "pairs",
    labels_gold_summary_ins: "labels", // the Gold page's summary (statement level: lib/quality/sql/aggregates.sql)
    labels_gold_summary_del: "labels",
    labels_gold_summary_upd: "labels",
  },
};

const datamodel = loadDatamodel();

describe.each(engines())("schema.prisma and the migrations agree ($engine)", ({ engine }) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await freshDatabase(engine); // empty database, every migration applied
  });

  afterAll(async () => {
    await db?.close();
  });

  it("reads the datamodel with Prisma's parser", () => {
    const models = datamodel.models.map(dbNameOf).sort();
    expect(models).toEqual(
      ["agreement_cells", "agreement_shapes", "annotator_totals", "api_token_projects", "api_tokens", "audit_events", "audit_rounds", "audit_samples", "auth_throttle", "calibration_bins", "calibration_scopes", "calibration_version_counts", "calibration_version_partials", "calibration_version_runs", "export_filters", "exports", "gold_first_answers", "gold_summary", "images", "import_archive_members", "import_duplicates", "import_errors", "imports", "label_hours", "labels", "leases", "pair_derivatives", "pair_tallies", "pair_verifier_outputs", "pairs", "password_resets", "project_annotators", "project_counts", "project_members", "projects", "quality_days", "queue_strata", "settings_recomputes", "skips", "uploads", "users", "webhook_deliveries", "webhook_endpoints"].sort(),
    );
    expect(datamodel.enums.map(dbNameOf).sort()).toEqual(["Decision", "ImportStatus", "PairStatus", "Role", "ExportStatus"].sort());
    expect(datamodel.indexes.length).toBeGreaterThan(datamodel.models.length);
  });

  it("every model, field, key, index and relation matches the database, and the database has nothing else", async () => {
    const mismatches = await compareSchema(datamodel, db, SQL_ONLY);
    expect(mismatches).toEqual([]);
  });

  it("self-check: reports a schema.prisma that no longer matches the database", async () => {
    const source = readFileSync(SCHEMA_PATH, "utf8");
    const edits: [RegExp, string][] = [
      [/(\n\s+name\s+)String(\s*\n\s+passwordHash)/, "$1String?$2"], // User.name optional
      [/\n(\s+)@@index\(\[expiresAt\]\)/, "\n$1@@index([createdAt])"], // Lease index on another column
      [/(\n\s+labelCount\s+Int\s+)@default\(0\)/, "$1@default(7)"], // Pair.labelCount default
      [/(pair\s+Pair @relation\(fields: \[pairId\], references: \[id\], onDelete: )Cascade(\)\n\s+annotator User @relation\(fields: \[annotatorId\], references: \[id\], onDelete: Cascade\)\n\n\s+@@id)/, "$1Restrict$2"], // Skip.pair
      [/(\n\s+in_review\n)/, "$1  archived\n"], // PairStatus gains a value
      [/(\n\s+mime\s+String)/, "$1\n  extra     String?"], // Image gains a field
    ];
    let edited = source;
    for (const [re, to] of edits) {
      const next = edited.replace(re, to);
      expect(next, `edit ${re} did not apply to schema.prisma; update this self-check`).not.toBe(edited);
      edited = next;
    }
    const mismatches = await compareSchema(datamodelFromSource(edited), db, SQL_ONLY)
    const expected = [
      /^users\.name \(User\.name\): nullability: schema says optional/,
      /^leases index \(created_at\): missing in database/,
      /^leases: index leases_expires_at_idx is not declared/,
      /^pairs\.label_count \(Pair\.labelCount\): default: schema says @default\(7\), database default is 0/,
      /^skips foreign key \(pair_id\) → pairs\(id\) \[Skip\.pair\]: ON DELETE Cascade in database .*expects Restrict/,
      /^enum PairStatus: values differ/,
      /^images\.extra \(Image\.extra\): column missing in database/,
    ];
    for (const re of expected) expect(mismatches, `expected a mismatch matching ${re}`).toContainEqual(expect.stringMatching(re));
    expect(mismatches).toHaveLength(expected.length);
  });

  it("self-check: reports a database that no longer matches schema.prisma", async () => {
    const drifted = await freshDatabase(engine);
    try {
      const changes = [
        `ALTER TABLE "users" ALTER COLUMN "name" DROP NOT NULL`,
        `ALTER TABLE "projects" ADD COLUMN "sneaky" TEXT`,
        `ALTER TABLE "labels" ALTER COLUMN "seconds_spent" TYPE DOUBLE PRECISION`,
        `ALTER TABLE "pairs" ALTER COLUMN "taken" SET DEFAULT 2`,
        `ALTER TABLE "images" ALTER COLUMN "created_at" DROP DEFAULT`,
        `DROP INDEX "leases_expires_at_idx"`,
        `CREATE INDEX "surprise_idx" ON "labels"("recaption")`,
        `DROP INDEX "labels_pair_id_annotator_id_key"`,
        `CREATE UNIQUE INDEX "labels_pair_id_annotator_id_key" ON "labels"("annotator_id", "pair_id")`,
        `ALTER TABLE "audit_events" DROP CONSTRAINT "audit_events_actor_id_fkey"`,
        `ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE`,
        `ALTER TABLE "users" ADD CONSTRAINT "users_name_check" CHECK ("name" <> '')`,
        `ALTER TYPE "Decision" ADD VALUE 'maybe'`,
        `CREATE TABLE "stray" ("id" INTEGER)`,
        `DROP INDEX "pairs_open_work_idx"`,
        `ALTER TABLE "labels" ALTER COLUMN "reasons" SET DEFAULT ARRAY['x']`,
        `ALTER TABLE "pairs" ALTER COLUMN "metadata" SET DEFAULT '[]'`,
        `ALTER TABLE "users" ALTER COLUMN "role" SET DEFAULT 'admin'`,
        `ALTER TABLE "labels" ALTER COLUMN "submission_id" TYPE TEXT`,
      ];
      for (const sql of changes) await drifted.exec(sql);
      const mismatches = await compareSchema(datamodel, drifted, SQL_ONLY)
      const expected = [
        /^users\.name \(User\.name\): nullability: schema says required, database column is nullable$/,
        /^projects\.sneaky: column exists in database \(text\) but model Project has no field mapped to it$/,
        /^labels\.seconds_spent \(Label\.secondsSpent\): type: schema Float @db\.Real expects real, database has double precision$/,
        /^pairs\.taken \(Pair\.taken\): default: schema says @default\(0\), database default is 2/,
        /^images\.created_at \(Image\.createdAt\): default: schema declares @default\(now\(\)\), database column has no default$/,
        /^leases index \(expires_at\): missing in database$/,
        /^labels: index surprise_idx is not declared in schema\.prisma nor listed as SQL-only/,
        /^labels unique index \(pair_id, annotator_id\): missing in database \(closest: /,
        /^labels: index labels_pair_id_annotator_id_key is not declared/,
        /^audit_events foreign key \(actor_id\) → users\(id\) \[AuditEvent\.actor\]: ON DELETE Cascade in database .*expects SetNull$/,
        /^users: CHECK constraint users_name_check is not declared/,
        /^enum Decision: values differ: schema \[accept, reject, recaption\], database \[accept, reject, recaption, maybe\]$/,
        /^table stray: exists in database .* but no model maps to it$/,
        /^pairs: index pairs_open_work_idx is listed as SQL-only but not in the database$/,
        /^labels\.reasons \(Label\.reasons\): default: schema says @default\(\[\]\), database default is ARRAY\['x'/,
        /^pairs\.metadata \(Pair\.metadata\): default: schema says @default\("\{\}"\), database default is '\[\]'::jsonb$/,
        /^users\.role \(User\.role\): default: schema says @default\("annotator"\), database default is 'admin'::"Role"$/,
        /^labels\.submission_id \(Label\.submissionId\): type: schema String @db\.Uuid expects uuid, database has text$/,
      ];
      for (const re of expected) expect(mismatches, `expected a mismatch matching ${re}`).toContainEqual(expect.stringMatching(re));
      expect(mismatches).toHaveLength(expected.length);
    } finally {
      await drifted.close();
    }
  });
});
