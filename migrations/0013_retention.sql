-- Retention (reg. §7101): a closed request's personal information goes once its record
-- has been kept long enough, leaving an anonymous record (kind, channel, dates, status,
-- outcome) that the yearly metrics keep counting. Verification material and response
-- packages go sooner, on clocks of their own. Staff reading a consumer's data is
-- recorded, so the record shows who has seen it.

ALTER TABLE requests
    -- When the personal information was removed (the anonymous record stays).
    ADD COLUMN purged_at timestamptz,
    -- When uploaded authorizations, the declaration's name and verification links went.
    ADD COLUMN verification_removed_at timestamptz;

-- A file whose content was removed keeps its row (size, SHA-256, downloads) as a record.
ALTER TABLE attachments ADD COLUMN removed_at timestamptz;

-- What each retention clock still has to do, by closing time. Only closed requests are
-- in them, so intake, which writes open requests, never pays for them; closing a request
-- already rewrites its index entries (`requests_closed_idx`).
CREATE INDEX requests_to_purge_idx ON requests (closed_at)
    WHERE closed_at IS NOT NULL AND purged_at IS NULL;
CREATE INDEX requests_verification_kept_idx ON requests (closed_at)
    WHERE closed_at IS NOT NULL AND verification_removed_at IS NULL;
CREATE INDEX attachments_packages_kept_idx ON attachments (request_id)
    WHERE purpose = 'response_package' AND removed_at IS NULL;

-- Staff opening a request's page, its full record or one of its files: who, when, what.
-- A table of its own, written only when staff look at one request (never by the queue
-- or intake), and kept after a purge: it names staff, not the consumer.
CREATE TABLE record_views (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id    uuid NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    staff_id      uuid REFERENCES staff_users (id) ON DELETE SET NULL,
    at            timestamptz NOT NULL,
    what          text NOT NULL CHECK (what IN ('request_page', 'record_page', 'record_json', 'file')),
    attachment_id uuid
);

CREATE INDEX record_views_request_idx ON record_views (request_id, at);

-- One daily purge, whichever worker gets there first.
CREATE TABLE retention_runs (
    day        date PRIMARY KEY,
    started_at timestamptz NOT NULL
);
