-- Staff accounts and sessions, assignment, and what staff record on a request.

CREATE TABLE staff_users (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email               text NOT NULL,
    role                text NOT NULL CHECK (role IN ('admin', 'reviewer')),
    -- argon2id PHC string; NULL until the invited person sets a password.
    password_hash       text,
    active              boolean NOT NULL DEFAULT true,
    failed_logins       integer NOT NULL DEFAULT 0,
    locked_until        timestamptz,
    password_changed_at timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX staff_users_email_key ON staff_users (lower(email));

CREATE TABLE staff_sessions (
    -- SHA-256 of the cookie's token.
    token_hash   bytea PRIMARY KEY,
    staff_id     uuid NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);

CREATE INDEX staff_sessions_staff_idx ON staff_sessions (staff_id);

-- Set-password links for invited staff: hashed, single use, expiring.
CREATE TABLE staff_invites (
    token_hash bytea PRIMARY KEY,
    staff_id   uuid NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

ALTER TABLE requests ADD COLUMN assignee_id uuid REFERENCES staff_users (id) ON DELETE SET NULL;

-- The queue: open requests by legal deadline, with a tie-breaker for keyset paging.
CREATE INDEX requests_queue_idx ON requests (due_on, id) WHERE closed_at IS NULL;
CREATE INDEX requests_closed_idx ON requests (closed_at DESC, id) WHERE closed_at IS NOT NULL;
CREATE INDEX requests_assignee_idx ON requests (assignee_id, due_on) WHERE closed_at IS NULL AND assignee_id IS NOT NULL;

-- Deletion passed on to service providers, contractors and third parties, one by one.
CREATE TABLE deletion_notices (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id  uuid NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    recipient   text NOT NULL,
    notified_at timestamptz NOT NULL,
    staff_id    uuid REFERENCES staff_users (id) ON DELETE SET NULL,
    UNIQUE (request_id, recipient)
);
