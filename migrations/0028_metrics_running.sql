-- A running year's metrics (reg. §7102): its closed requests added up to an hour ago,
-- so a report counts only its open requests and its latest closings. A closed request
-- never changes (the lifecycle refuses it; purge keeps what the report reads), so what
-- is added up stays right. `days` holds every substantive response's time in days, per
-- kind, as 8-byte floats: medians do not add up, so the times themselves are kept. They
-- do not compress; they are stored out of line without trying.
CREATE TABLE metrics_running (
    year          integer     NOT NULL,
    time_zone     text        NOT NULL,
    version       integer     NOT NULL,
    closed_before timestamptz NOT NULL,
    groups        jsonb       NOT NULL,
    days          bytea       NOT NULL,
    stored_at     timestamptz NOT NULL,
    PRIMARY KEY (year, time_zone, version)
);
ALTER TABLE metrics_running ALTER COLUMN days SET STORAGE EXTERNAL;

-- The year's open requests are counted per kind, channel and status from the index of
-- open requests by date received alone. Intake already writes this index; its entries
-- grow by the three short codes, and a change of status already writes a new entry,
-- since status is indexed elsewhere.
DROP INDEX requests_open_received_idx;
CREATE INDEX requests_open_received_idx ON requests (received_at, id) INCLUDE (kind, channel, status)
    WHERE closed_at IS NULL;
