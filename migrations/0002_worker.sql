-- Verification, the suppression list, and what the worker stamps so nothing repeats.

ALTER TABLE requests
    ADD COLUMN verified_at        timestamptz,
    ADD COLUMN reminded_at        timestamptz,
    ADD COLUMN overdue_alerted_at timestamptz,
    -- The legal deadline that orders the queue: the extended one when there is one.
    ADD COLUMN due_on date GENERATED ALWAYS AS (coalesce(extended_respond_by, respond_by, comply_by)) STORED;

-- Each sweep reads only the rows it may act on, through a partial index, so its cost
-- follows the number of due items, not the size of the table.
CREATE INDEX requests_unverified_idx ON requests (respond_by)
    WHERE status = 'awaiting_verification';
CREATE INDEX requests_to_remind_idx ON requests (received_at)
    WHERE status = 'awaiting_verification' AND reminded_at IS NULL;
CREATE INDEX requests_opt_outs_to_apply_idx ON requests (received_at)
    WHERE kind IN ('opt_out', 'limit_sensitive') AND status IN ('received', 'in_progress');
CREATE INDEX requests_overdue_unalerted_idx ON requests (due_on)
    WHERE closed_at IS NULL AND overdue_alerted_at IS NULL;

-- A request's messages (staff page, purge, the foreign key's ON DELETE).
CREATE INDEX outbox_request_idx ON outbox (request_id) WHERE request_id IS NOT NULL;

CREATE TABLE verification_tokens (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id  uuid NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    -- SHA-256 of the token; the token itself exists only in the e-mail.
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

CREATE INDEX verification_tokens_request_idx ON verification_tokens (request_id);

-- The suppression list downstream systems read.
CREATE TABLE opt_outs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email       text NOT NULL,
    scope       text NOT NULL CHECK (scope IN ('sale_sharing', 'sensitive_use')),
    request_id  uuid REFERENCES requests (id) ON DELETE SET NULL,
    channel     text NOT NULL,
    since       timestamptz NOT NULL
);

CREATE UNIQUE INDEX opt_outs_email_scope_key ON opt_outs (lower(email), scope);

-- One staff digest a day, whichever worker gets there first.
CREATE TABLE staff_digests (
    day     date PRIMARY KEY,
    sent_at timestamptz NOT NULL
);
