-- Decisions carried out downstream (Civ. §1798.105(c), reg. §7022(b), §7023(c),
-- §7026(f), §7027(g)): the recipients a fulfilled deletion or correction, or an applied
-- opt-out or limit, is passed on to; one task per recipient and request; and every
-- message sent to a recipient (a task, its cancellation, a lifecycle event) with its
-- attempts. None of these tables is written on intake: tasks are created with the
-- decision, lifecycle events are read from the audit trail behind a cursor.

CREATE TABLE recipients (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL,
    role            text NOT NULL
        CHECK (role IN ('internal', 'service_provider', 'contractor', 'third_party')),
    -- The request kinds it acts on.
    kinds           text[] NOT NULL
        CHECK (kinds <@ ARRAY['delete', 'correct', 'opt_out', 'limit_sensitive']::text[]),
    -- How it is told: an e-mail address, a webhook URL, or staff by hand.
    channel         text NOT NULL CHECK (channel IN ('email', 'webhook', 'manual')),
    address         text,
    -- `whsec_` + base64 of 32 random bytes: the worker signs with it, so it is kept.
    signing_secret  text,
    -- Also told of lifecycle events (webhook recipients only).
    events          boolean NOT NULL DEFAULT false,
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL,
    deactivated_at  timestamptz,
    CHECK ((channel = 'manual') = (address IS NULL)),
    CHECK ((channel = 'webhook') = (signing_secret IS NOT NULL)),
    CHECK (NOT events OR channel = 'webhook')
);
CREATE UNIQUE INDEX recipients_name_key ON recipients (lower(name));

CREATE TABLE tasks (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id          uuid NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    recipient_id        bigint NOT NULL REFERENCES recipients (id),
    created_at          timestamptz NOT NULL,
    -- The recipient has it: a 2xx from its webhook, its e-mail accepted, or (manual)
    -- staff recorded what was done.
    delivered_at        timestamptz,
    -- Delivery gave up after the attempt limit.
    failed_at           timestamptz,
    completed_at        timestamptz,
    outcome             text CHECK (outcome IN ('done', 'not_done')),
    note                text,
    -- `staff:<uuid>`, `link`, or `token:<id>`.
    completed_by        text,
    -- The e-mail recipient's single-use completion link: its hash and expiry.
    link_hash           bytea UNIQUE,
    link_expires_at     timestamptz,
    cancelled_at        timestamptz,
    overdue_alerted_at  timestamptz,
    UNIQUE (request_id, recipient_id),
    CHECK ((completed_at IS NULL) = (outcome IS NULL))
);
CREATE INDEX tasks_recipient_idx ON tasks (recipient_id);
-- The overdue sweep and the digest read open tasks only.
CREATE INDEX tasks_open_idx ON tasks (created_at)
    WHERE completed_at IS NULL AND cancelled_at IS NULL;

-- Everything sent to a recipient, retried with back-off until delivered or failed.
-- `webhook_id` is the Standard Webhooks `webhook-id`: the same on every attempt, so a
-- receiver can tell a retry from a new message.
CREATE TABLE task_deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id       uuid NOT NULL UNIQUE,
    recipient_id     bigint NOT NULL REFERENCES recipients (id),
    task_id          bigint REFERENCES tasks (id) ON DELETE CASCADE,
    request_id       uuid REFERENCES requests (id) ON DELETE CASCADE,
    -- `task.created`, `task.cancelled`, or `request.<lifecycle event>`.
    type             text NOT NULL,
    occurred_at      timestamptz NOT NULL,
    created_at       timestamptz NOT NULL,
    next_attempt_at  timestamptz NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text,
    delivered_at     timestamptz,
    failed_at        timestamptz
);
CREATE INDEX task_deliveries_due_idx ON task_deliveries (next_attempt_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX task_deliveries_task_idx ON task_deliveries (task_id) WHERE task_id IS NOT NULL;

-- How far the lifecycle-event subscriptions have read the audit trail. Starts at the
-- trail's end: subscribers hear of what happens after this migration.
CREATE TABLE task_event_cursor (
    only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    event_id  bigint NOT NULL
);
INSERT INTO task_event_cursor (event_id) SELECT coalesce(max(id), 0) FROM request_events;

-- The consumer was told the request was passed on: once, when its last task was
-- delivered.
CREATE TABLE passed_on_notices (
    request_id  uuid PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
    sent_at     timestamptz NOT NULL
);
