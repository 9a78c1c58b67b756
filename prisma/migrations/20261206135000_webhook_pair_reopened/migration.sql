-- Standard Webhooks and pair.reopened (docs/decisions/019-standard-webhooks-and-api-contract.md).
--
-- "pair.reopened" is a new event: an endpoint may subscribe to it, and its deliveries are logged.
-- Its trigger is a definition (lib/webhooks/sql/emit.sql), not part of this migration.
ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_events_check;
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_events_check CHECK (
  cardinality(events) > 0 AND events <@ ARRAY['pair.finalized', 'pair.reopened', 'export.finished']::text[]);
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_event_check;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_event_check CHECK (
  event IN ('pair.finalized', 'pair.reopened', 'export.finished', 'webhook.test'));

-- Secrets are deliberately left as they are. Those made before this release are `whsec_` + base64url of
-- 24 random bytes; Loupe signs Standard Webhooks with those same bytes (lib/webhooks/signature.ts reads
-- either alphabet). Rewriting the text into standard base64 would not reach receivers (a secret is shown
-- only once) and would break the deprecated Loupe-Signature, which is keyed by the text receivers hold.
-- Endpoints whose secret has `-` or `_` are flagged in the admin page for a rotation instead.
