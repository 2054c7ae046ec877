-- The lifecycle owns its rules in code: a closed request keeps its outcome as a reason
-- code (texts are rendered from it), and the agent's copy of status mail is written by
-- the code that writes the message, no longer by a trigger.

ALTER TABLE requests ADD COLUMN outcome_code text;

UPDATE requests SET outcome_code = CASE status
        WHEN 'fulfilled' THEN CASE WHEN kind IN ('opt_out', 'limit_sensitive') THEN 'applied' ELSE 'fulfilled' END
        WHEN 'partially_fulfilled' THEN 'partially_fulfilled'
        WHEN 'withdrawn' THEN 'withdrawn'
        WHEN 'closed_unverified' THEN CASE WHEN kind = 'opt_in' THEN 'opt_in_not_confirmed' ELSE 'identity_not_verified' END
        WHEN 'denied' THEN CASE WHEN agent_authority_state = 'rejected' THEN 'agent_not_authorized' ELSE 'other' END
    END
WHERE closed_at IS NOT NULL;

-- Free text an outcome used to carry is kept only as staff's explanation.
UPDATE requests SET outcome_reason = NULL
WHERE outcome_reason IN ('Applied and added to the suppression list.', 'Identity could not be verified.',
                         'Withdrawn at your request.');

DROP TRIGGER outbox_copy_to_agent ON outbox;
DROP FUNCTION outbox_copy_to_agent();

-- Unverified requests close at the end of their governing deadline (extended when
-- extended), which `due_on` holds.
DROP INDEX requests_unverified_idx;
CREATE INDEX requests_unverified_idx ON requests (due_on) WHERE status = 'awaiting_verification';

-- A DRP agent hears of a change it can see: received, verified and in progress all read
-- as `in_progress` to it, so moving between them posts nothing.
DROP TRIGGER drp_status_changed ON requests;
CREATE TRIGGER drp_status_changed AFTER UPDATE OF status ON requests
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status_callback IS NOT NULL
        AND NOT (OLD.status IN ('received', 'verified', 'in_progress')
                 AND NEW.status IN ('received', 'verified', 'in_progress')))
    EXECUTE FUNCTION drp_status_changed();
