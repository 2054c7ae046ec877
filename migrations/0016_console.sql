-- The analyst's console: search and sort in the queue, saved views, preferences and
-- response templates. Every index on `requests` is paid by each submission, so the two
-- added here cover open requests only (a few percent of the table once it is old).

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Search by part of a name, an e-mail address or a tracking code among open requests.
CREATE INDEX requests_open_search_idx ON requests
    USING gin (lower(tracking_code || ' ' || coalesce(full_name, '') || ' ' || email) gin_trgm_ops)
    WHERE closed_at IS NULL;

-- The queue sorted by date received (newest or oldest first), keyset-paged by id.
CREATE INDEX requests_open_received_idx ON requests (received_at, id) WHERE closed_at IS NULL;

-- A staff member's saved queue views: a name and the query string it stands for. At most
-- one is their default, opened when they open the queue with no filter.
CREATE TABLE staff_views (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    staff_id   uuid NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    query      text NOT NULL CHECK (length(query) <= 2000),
    is_default boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    UNIQUE (staff_id, name)
);

CREATE UNIQUE INDEX staff_views_default_key ON staff_views (staff_id) WHERE is_default;

-- What each staff member chose for themselves.
CREATE TABLE staff_preferences (
    staff_id        uuid PRIMARY KEY REFERENCES staff_users (id) ON DELETE CASCADE,
    -- A daily e-mail of what is assigned to them and due soon.
    daily_email     boolean NOT NULL DEFAULT false,
    -- The business day it was last sent: stamped in the transaction that queues it.
    daily_sent_on   date
);

CREATE INDEX staff_preferences_daily_idx ON staff_preferences (daily_sent_on) WHERE daily_email;

-- Reusable texts staff pick from when they explain a decision, per kind (NULL: any kind)
-- and outcome, with placeholders such as {consumer_name} and {deadline}.
CREATE TABLE response_templates (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    kind       text,
    outcome    text NOT NULL CHECK (outcome IN ('fulfil', 'partial', 'deny', 'withdraw')),
    body       text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    created_by uuid REFERENCES staff_users (id) ON DELETE SET NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (name)
);
