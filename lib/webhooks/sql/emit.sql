-- Webhook events (lib/webhooks): "pair.finalized" and "pair.reopened" are queued by triggers on pairs, so
-- they commit with whatever finalised or withdrew the pair (the label trigger's consensus or undo, a
-- reviewer's adjudication) and cost a project without webhooks one probe. Other events go through loupe_webhook_emit in the caller's
-- transaction (lib/webhooks/emit.ts). webhook_deliveries is both the log and the queue the worker
-- claims from (lib/webhooks/worker.ts).
--
-- A definition file: the migration runner applies it whenever it changes, after the numbered
-- migrations (lib/db/definitions.ts; docs/decisions/010-database-rules-in-features.md).

-- One delivery per active endpoint of the project subscribed to the event, all with one event id.
CREATE OR REPLACE FUNCTION loupe_webhook_emit(p_project integer, p_event text, p_data jsonb) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  ev uuid := gen_random_uuid();
  n integer;
BEGIN
  INSERT INTO webhook_deliveries (endpoint_id, event, event_id, payload)
  SELECT e.id, p_event, ev,
         jsonb_build_object('id', ev, 'type', p_event,
                            'occurredAt', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                            'projectId', p_project, 'data', p_data)
  FROM webhook_endpoints e
  WHERE e.project_id = p_project AND e.active AND p_event = ANY (e.events);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

-- "pair.finalized": a pair became final (consensus or adjudication), or its final label changed.
-- Gold pairs are final from import and are left out; a withdrawal (final → open) is "pair.reopened".
CREATE OR REPLACE FUNCTION loupe_pair_finalized_webhook() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The common case, a project without webhooks, stops at this probe of a tiny table.
  IF NOT EXISTS (SELECT 1 FROM webhook_endpoints e
                 WHERE e.project_id = NEW.project_id AND e.active AND 'pair.finalized' = ANY (e.events)) THEN
    RETURN NULL;
  END IF;
  PERFORM loupe_webhook_emit(NEW.project_id, 'pair.finalized', jsonb_build_object(
    'pairId', NEW.id::text,
    'externalId', NEW.external_id,
    'instruction', NEW.instruction,
    'task', NEW.task,
    'subtask', NEW.subtask,
    'finalDecision', NEW.final_decision,
    'finalInstruction', NEW.final_instruction,
    'finalReasons', to_jsonb(NEW.final_reasons),
    'finalSource', NEW.final_source,
    'finalizedAt', to_char(NEW.finalized_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'agreement', NEW.agreement,
    'labelCount', NEW.label_count));
  RETURN NULL;
END $$;

-- UPDATE OF: the label trigger's counter updates and the claim's lease updates never name these
-- columns, so the trigger is not even considered for them; WHEN filters the rest without a call.
CREATE OR REPLACE TRIGGER pairs_webhook_finalized
  AFTER UPDATE OF final_decision, final_instruction, final_reasons, final_source ON pairs
  FOR EACH ROW
  WHEN (NEW.final_decision IS NOT NULL AND NOT NEW.is_gold AND (
        OLD.final_decision IS NULL OR OLD.final_decision <> NEW.final_decision
        OR OLD.final_instruction IS DISTINCT FROM NEW.final_instruction
        OR OLD.final_reasons IS DISTINCT FROM NEW.final_reasons
        OR OLD.final_source IS DISTINCT FROM NEW.final_source))
  EXECUTE FUNCTION loupe_pair_finalized_webhook();


-- "pair.reopened": a final pair stopped being final, so a receiver that acted on its pair.finalized can
-- take that back. The reason is named by the path that withdrew it when it sets the transaction setting
-- loupe.reopen_reason (SET LOCAL / set_config(..., true)); otherwise it is read from the row: fewer labels
-- than before is an annotator's undo, back in review is a reviewer's correction.
CREATE OR REPLACE FUNCTION loupe_pair_reopened_webhook() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  reason text := nullif(current_setting('loupe.reopen_reason', true), '');
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhook_endpoints e
                 WHERE e.project_id = NEW.project_id AND e.active AND 'pair.reopened' = ANY (e.events)) THEN
    RETURN NULL;
  END IF;
  reason := coalesce(reason, CASE WHEN NEW.label_count < OLD.label_count THEN 'undo'
                                  WHEN NEW.status = 'in_review' THEN 'review'
                                  ELSE 'other' END);
  PERFORM loupe_webhook_emit(NEW.project_id, 'pair.reopened', jsonb_build_object(
    'pairId', NEW.id::text,
    'externalId', NEW.external_id,
    'task', NEW.task,
    'subtask', NEW.subtask,
    'reason', reason,
    'status', NEW.status::text,
    'labelCount', NEW.label_count,
    'previousOutcome', jsonb_build_object(
      'finalDecision', OLD.final_decision,
      'finalInstruction', OLD.final_instruction,
      'finalReasons', to_jsonb(OLD.final_reasons),
      'finalSource', OLD.final_source,
      'finalizedAt', to_char(OLD.finalized_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'agreement', OLD.agreement)));
  RETURN NULL;
END $$;

-- Only the status column's updates are considered, and WHEN keeps the call to the withdrawals.
CREATE OR REPLACE TRIGGER pairs_webhook_reopened
  AFTER UPDATE OF status ON pairs
  FOR EACH ROW
  WHEN (OLD.status = 'final' AND NEW.status <> 'final' AND NOT OLD.is_gold)
  EXECUTE FUNCTION loupe_pair_reopened_webhook();
