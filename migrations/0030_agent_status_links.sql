-- An agent's status link, in a table of its own: the worker makes the link as it sends
-- the agent's receipt, in the transaction that records the send, and inserting here
-- takes only a key-share lock on the request (no conflict with staff's and the sweeps'
-- FOR NO KEY UPDATE), where updating the request's row would hold it through the send.
CREATE TABLE agent_status_links (
    token_hash  bytea PRIMARY KEY,
    request_id  uuid NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL
);

CREATE INDEX agent_status_links_request_idx ON agent_status_links (request_id);

INSERT INTO agent_status_links (token_hash, request_id, created_at)
    SELECT agent_access_hash, id, received_at FROM requests WHERE agent_access_hash IS NOT NULL;

DROP INDEX requests_agent_access_key;
ALTER TABLE requests DROP COLUMN agent_access_hash;
