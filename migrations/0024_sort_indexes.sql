-- The console's queue sorts open requests by any column (0016). Sorted by name or by
-- status, a page sorted every open request; these two partial indexes give those orders
-- (with the id, the keyset's tie-breaker). The deadline and received orders have theirs
-- (`requests_queue_idx`, `requests_open_received_idx`), the e-mail order reads
-- `requests_email_idx` with an incremental sort, and the tracking code's is its key.
CREATE INDEX requests_open_name_idx ON requests (lower(coalesce(full_name, '')), id)
    WHERE closed_at IS NULL;
CREATE INDEX requests_open_status_idx ON requests (status, id)
    WHERE closed_at IS NULL;
