-- Loupe initial schema. Hand-written in Prisma's layout (docs/decisions/002-hand-written-migrations.md);
-- test/db/schema.test.ts checks it against prisma/schema.prisma.

CREATE TYPE "Role" AS ENUM ('admin', 'reviewer', 'annotator');
CREATE TYPE "PairStatus" AS ENUM ('open', 'labelled', 'in_review', 'final');
CREATE TYPE "Decision" AS ENUM ('accept', 'reject', 'recaption');

CREATE TABLE "users" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'annotator',
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "is_demo" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "users_pkey" PRIMARY KEY ("id"),
    -- Emails are stored lower-cased so the unique index is case-insensitive.
    CONSTRAINT "users_email_lower_check" CHECK ("email" = lower("email") AND "email" <> '')
);
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

CREATE TABLE "projects" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "guidelines" TEXT NOT NULL DEFAULT '',
    "overlap" SMALLINT NOT NULL DEFAULT 1,
    "lease_seconds" INTEGER NOT NULL DEFAULT 600,
    "reject_reasons" JSONB NOT NULL,
    "is_demo" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "projects_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "projects_overlap_check" CHECK ("overlap" BETWEEN 1 AND 5),
    CONSTRAINT "projects_lease_seconds_check" CHECK ("lease_seconds" BETWEEN 30 AND 86400),
    CONSTRAINT "projects_reject_reasons_check" CHECK (jsonb_typeof("reject_reasons") = 'array')
);
CREATE UNIQUE INDEX "projects_name_key" ON "projects"("name");

CREATE TABLE "images" (
    "sha256" CHAR(64) NOT NULL,
    "mime" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "byte_size" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "images_pkey" PRIMARY KEY ("sha256")
);

CREATE TABLE "pairs" (
    "id" BIGSERIAL NOT NULL,
    "project_id" INTEGER NOT NULL,
    "external_id" TEXT NOT NULL,
    "source_image" CHAR(64) NOT NULL,
    "edited_image" CHAR(64) NOT NULL,
    "mask_image" CHAR(64),
    "instruction" TEXT NOT NULL,
    "instruction_cn" TEXT,
    "task" TEXT,
    "subtask" TEXT,
    "vs_instruction_following" SMALLINT,
    "vs_editing_consistency" SMALLINT,
    "vs_generation_quality" SMALLINT,
    "vs_overall" REAL,
    "verifier_valid" BOOLEAN,
    "verifier_failure_class" TEXT,
    "verifier_recaption" TEXT,
    "model_version" TEXT,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "status" "PairStatus" NOT NULL DEFAULT 'open',
    "wanted" SMALLINT NOT NULL DEFAULT 1,
    "taken" SMALLINT NOT NULL DEFAULT 0,
    "label_count" SMALLINT NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "pairs_pkey" PRIMARY KEY ("id"),
    -- The overlap rule as a constraint: live leases + labels never exceed the labels wanted.
    CONSTRAINT "pairs_taken_check" CHECK ("taken" >= 0 AND "taken" <= "wanted"),
    CONSTRAINT "pairs_wanted_check" CHECK ("wanted" BETWEEN 1 AND 5),
    CONSTRAINT "pairs_label_count_check" CHECK ("label_count" >= 0 AND "label_count" <= "taken"),
    CONSTRAINT "pairs_scores_check" CHECK (
        ("vs_instruction_following" IS NULL OR "vs_instruction_following" BETWEEN 1 AND 3) AND
        ("vs_editing_consistency" IS NULL OR "vs_editing_consistency" BETWEEN 1 AND 3) AND
        ("vs_generation_quality" IS NULL OR "vs_generation_quality" BETWEEN 1 AND 3))
);
CREATE UNIQUE INDEX "pairs_project_id_external_id_key" ON "pairs"("project_id", "external_id");
CREATE INDEX "pairs_project_id_status_idx" ON "pairs"("project_id", "status");
-- Open work only: claiming walks this small index instead of the whole table (lib/queue/claim.ts).
CREATE INDEX "pairs_open_work_idx" ON "pairs"("project_id", "id") WHERE "taken" < "wanted";

CREATE TABLE "leases" (
    "id" BIGSERIAL NOT NULL,
    "pair_id" BIGINT NOT NULL,
    "project_id" INTEGER NOT NULL,
    "annotator_id" INTEGER NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "submitted_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "leases_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "leases_pair_id_annotator_id_key" ON "leases"("pair_id", "annotator_id");
CREATE INDEX "leases_annotator_id_project_id_idx" ON "leases"("annotator_id", "project_id");
CREATE INDEX "leases_expires_at_idx" ON "leases"("expires_at");

CREATE TABLE "labels" (
    "id" BIGSERIAL NOT NULL,
    "pair_id" BIGINT NOT NULL,
    "project_id" INTEGER NOT NULL,
    "annotator_id" INTEGER NOT NULL,
    "decision" "Decision" NOT NULL,
    "reasons" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "recaption" TEXT,
    "seconds_spent" REAL NOT NULL,
    "submission_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "labels_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "labels_seconds_check" CHECK ("seconds_spent" >= 0),
    CONSTRAINT "labels_recaption_check" CHECK ("decision" <> 'recaption' OR length(btrim("recaption")) > 0),
    CONSTRAINT "labels_reasons_check" CHECK ("decision" <> 'reject' OR cardinality("reasons") > 0)
);
CREATE UNIQUE INDEX "labels_submission_id_key" ON "labels"("submission_id");
CREATE UNIQUE INDEX "labels_pair_id_annotator_id_key" ON "labels"("pair_id", "annotator_id");
CREATE INDEX "labels_annotator_id_created_at_idx" ON "labels"("annotator_id", "created_at");
CREATE INDEX "labels_project_id_created_at_idx" ON "labels"("project_id", "created_at");

CREATE TABLE "skips" (
    "pair_id" BIGINT NOT NULL,
    "annotator_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "skips_pkey" PRIMARY KEY ("pair_id", "annotator_id")
);
CREATE INDEX "skips_annotator_id_idx" ON "skips"("annotator_id");

CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "actor_id" INTEGER,
    "action" TEXT NOT NULL,
    "subject_type" TEXT NOT NULL,
    "subject_id" TEXT,
    "data" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "audit_events_created_at_idx" ON "audit_events"("created_at");
CREATE INDEX "audit_events_actor_id_created_at_idx" ON "audit_events"("actor_id", "created_at");
CREATE INDEX "audit_events_action_created_at_idx" ON "audit_events"("action", "created_at");

CREATE TABLE "auth_throttle" (
    "key" TEXT NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "window_start" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "locked_until" TIMESTAMPTZ(3),
    CONSTRAINT "auth_throttle_pkey" PRIMARY KEY ("key")
);

ALTER TABLE "pairs" ADD CONSTRAINT "pairs_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "leases" ADD CONSTRAINT "leases_pair_id_fkey" FOREIGN KEY ("pair_id") REFERENCES "pairs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "leases" ADD CONSTRAINT "leases_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "leases" ADD CONSTRAINT "leases_annotator_id_fkey" FOREIGN KEY ("annotator_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "labels" ADD CONSTRAINT "labels_pair_id_fkey" FOREIGN KEY ("pair_id") REFERENCES "pairs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "labels" ADD CONSTRAINT "labels_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "labels" ADD CONSTRAINT "labels_annotator_id_fkey" FOREIGN KEY ("annotator_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "skips" ADD CONSTRAINT "skips_pair_id_fkey" FOREIGN KEY ("pair_id") REFERENCES "pairs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "skips" ADD CONSTRAINT "skips_annotator_id_fkey" FOREIGN KEY ("annotator_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- The triggers that keep pairs.taken, label_count and status exact live in lib/queue/sql/taken.sql,
-- applied after the numbered migrations (lib/db/definitions.ts).

-- Queue tables churn constantly (every claim and submit). Vacuum them far more eagerly than the
-- 20% default so dead tuples never pile up in front of the open-work index.
ALTER TABLE "leases" SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 200, autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE "pairs" SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 1000, autovacuum_analyze_scale_factor = 0.05, fillfactor = 90);
ALTER TABLE "labels" SET (autovacuum_vacuum_scale_factor = 0.05, autovacuum_analyze_scale_factor = 0.05);
ALTER TABLE "skips" SET (autovacuum_vacuum_scale_factor = 0.05);
