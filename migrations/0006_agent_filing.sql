-- Requests filed in the browser by an authorized agent for a consumer.

ALTER TABLE requests
    ADD COLUMN agent_name         text,
    ADD COLUMN agent_organisation text,
    ADD COLUMN agent_email        text,
    ADD COLUMN agent_authority    text CHECK (agent_authority IN ('signed_permission', 'power_of_attorney')),
    -- pending → confirmed (by the consumer) | accepted (by staff) | rejected
    ADD COLUMN agent_authority_state text CHECK (agent_authority_state IN ('pending', 'confirmed', 'accepted', 'rejected')),
    -- Hash of the token in the agent's status link.
    ADD COLUMN agent_access_hash  bytea;

CREATE UNIQUE INDEX requests_agent_access_key ON requests (agent_access_hash) WHERE agent_access_hash IS NOT NULL;

-- Links sent to consumers: confirming their own e-mail, or an agent's authority.
ALTER TABLE verification_tokens
    ADD COLUMN purpose text NOT NULL DEFAULT 'verify_email' CHECK (purpose IN ('verify_email', 'confirm_agent'));

-- The agent who filed a request gets a copy of every status message to the consumer.
CREATE FUNCTION outbox_copy_to_agent() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    agent text;
BEGIN
    SELECT agent_email INTO agent FROM requests WHERE id = NEW.request_id;
    IF agent IS NOT NULL AND agent <> NEW.to_addr THEN
        INSERT INTO outbox (request_id, template, message_id, to_addr, subject, body_text, body_html,
                            created_at, next_attempt_at)
        VALUES (NEW.request_id, NEW.template || '_agent_copy',
                '<' || gen_random_uuid() || '.' || substr(NEW.message_id, 2),
                agent, NEW.subject, NEW.body_text, NEW.body_html, NEW.created_at, NEW.next_attempt_at);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER outbox_copy_to_agent AFTER INSERT ON outbox
    FOR EACH ROW WHEN (NEW.request_id IS NOT NULL
        AND NEW.template IN ('opt_out_applied', 'extension_notice', 'outcome', 'closed_unverified'))
    EXECUTE FUNCTION outbox_copy_to_agent();
