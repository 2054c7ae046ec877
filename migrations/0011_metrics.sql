-- The yearly metrics (reg. §7102) read every request received in a year: this index
-- holds just what they count, so the report scans it alone (index-only) instead of the
-- table's wide rows.
CREATE INDEX requests_metrics_idx ON requests (received_at)
    INCLUDE (kind, channel, status, outcome_code, closed_at);
