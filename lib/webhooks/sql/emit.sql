-- Webhook events (lib/webhooks): "pair.finalized" is queued by a trigger on pairs, so it commits with
-- whatever finalised the pair (the label trigger's consensus, a reviewer's adjudication) and costs a
-- project without webhooks one probe. Other events go through loupe_webhook_emit in the caller's
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
-- Gold pairs are final from import and are left out; an undo (final → open) sends nothing.
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
