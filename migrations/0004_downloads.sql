-- Response packages reach consumers through expiring links; every download needs a
-- fresh one-time code sent to the request's e-mail address, and is recorded.

CREATE TABLE download_links (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id      uuid NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    attachment_id   uuid NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
    token_hash      bytea NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    -- The current one-time code (hashed), when it stops working, and wrong tries.
    code_hash       bytea,
    code_expires_at timestamptz,
    code_attempts   integer NOT NULL DEFAULT 0
);

CREATE INDEX download_links_request_idx ON download_links (request_id);

CREATE TABLE downloads (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    link_id     bigint NOT NULL REFERENCES download_links (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL
);

CREATE INDEX downloads_link_idx ON downloads (link_id);
