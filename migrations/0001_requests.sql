-- Requests, their audit trail, the e-mail outbox, attachments and GPC signals.

CREATE TABLE requests (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tracking_code         text NOT NULL,
    kind                  text NOT NULL CHECK (kind IN ('know_categories', 'know_specific', 'delete', 'correct', 'opt_out', 'limit_sensitive')),
    status                text NOT NULL CHECK (status IN ('received', 'awaiting_verification', 'verified', 'in_progress', 'fulfilled', 'partially_fulfilled', 'denied', 'withdrawn', 'closed_unverified')),
    channel               text NOT NULL CHECK (channel IN ('web', 'agent_web', 'drp', 'gpc')),
    email                 text NOT NULL,
    full_name             text,
    phone                 text,
    address               text,
    california_resident   boolean NOT NULL DEFAULT false,
    details               text,
    lookback              text CHECK (lookback IN ('12_months', 'since_2022')),
    correction_field      text,
    current_value         text,
    corrected_value       text,
    declaration_name      text,
    declaration_signed_at timestamptz,
    language              text NOT NULL DEFAULT 'en',
    received_at           timestamptz NOT NULL,
    confirm_by            date,
    respond_by            date,
    extended_respond_by   date,
    extension_reason      text,
    comply_by             date,
    verification_level    text NOT NULL DEFAULT 'none',
    outcome_reason        text,
    closed_at             timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT requests_tracking_code_key UNIQUE (tracking_code),
    CONSTRAINT requests_clock_matches_kind CHECK (
        (kind IN ('opt_out', 'limit_sensitive') AND comply_by IS NOT NULL)
        OR (kind NOT IN ('opt_out', 'limit_sensitive') AND confirm_by IS NOT NULL AND respond_by IS NOT NULL)
    )
);

-- Status look-ups and "other requests of this consumer" go by address, case-insensitively.
CREATE INDEX requests_email_idx ON requests (lower(email));

CREATE TABLE request_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id  uuid NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL,
    actor_type  text NOT NULL CHECK (actor_type IN ('consumer', 'agent', 'staff', 'system')),
    actor_id    text,
    action      text NOT NULL,
    from_status text,
    to_status   text,
    data        jsonb NOT NULL DEFAULT '{}'
);

CREATE INDEX request_events_request_idx ON request_events (request_id, at);

CREATE TABLE outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id      uuid REFERENCES requests (id) ON DELETE SET NULL,
    template        text NOT NULL,
    message_id      text NOT NULL UNIQUE,
    to_addr         text NOT NULL,
    subject         text NOT NULL,
    body_text       text NOT NULL,
    body_html       text NOT NULL,
    created_at      timestamptz NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    sent_at         timestamptz,
    failed_at       timestamptz
);

-- The worker's claim query reads only what is still to send.
CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

CREATE TABLE attachments (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    request_id   uuid NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    purpose      text NOT NULL CHECK (purpose IN ('correction_evidence', 'agent_authorization', 'response_package')),
    filename     text NOT NULL,
    content_type text NOT NULL,
    size_bytes   integer NOT NULL,
    sha256       text NOT NULL,
    content      bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX attachments_request_idx ON attachments (request_id);

-- Browsers that sent a Global Privacy Control signal: a random id kept in a cookie,
-- nothing that identifies the person.
CREATE TABLE gpc_signals (
    browser_id    uuid PRIMARY KEY,
    first_seen_at timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    hits          integer NOT NULL DEFAULT 1
);
