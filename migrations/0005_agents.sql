-- Authorized agents and the Data Rights Protocol.

CREATE TABLE agents (
    id          text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_.-]+$'),
    name        text NOT NULL,
    verify_key  text NOT NULL,
    contact     text,
    web_url     text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Bearer tokens from key setup, stored hashed.
CREATE TABLE agent_tokens (
    token_hash bytea PRIMARY KEY,
    agent_id   text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL
);

ALTER TABLE requests
    ADD COLUMN agent_id         text REFERENCES agents (id),
    ADD COLUMN drp_request_id   uuid,
    ADD COLUMN agent_request_id text,
    ADD COLUMN regime           text,
    ADD COLUMN status_callback  text;

-- Partial, so the many requests without one cost nothing on insert.
CREATE UNIQUE INDEX requests_drp_request_id_key ON requests (drp_request_id) WHERE drp_request_id IS NOT NULL;

-- Where a verification link sends the consumer back to (the agent's page), and for
-- which DRP request.
ALTER TABLE verification_tokens
    ADD COLUMN redirect_to text;

-- Exercise Status objects to POST to agents' callbacks: one row per status change,
-- written by the change itself, delivered by the worker with retries.
CREATE TABLE drp_callbacks (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id      uuid NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    sent_at         timestamptz,
    failed_at       timestamptz
);

CREATE INDEX drp_callbacks_pending_idx ON drp_callbacks (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

CREATE FUNCTION drp_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO drp_callbacks (request_id) VALUES (NEW.id);
    RETURN NULL;
END;
$$;

CREATE TRIGGER drp_status_changed AFTER UPDATE OF status ON requests
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status_callback IS NOT NULL)
    EXECUTE FUNCTION drp_status_changed();
