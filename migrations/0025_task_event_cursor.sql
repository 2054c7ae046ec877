-- The lifecycle subscriptions (0011) read the audit trail by event id, leaving out the
-- last two seconds' events in case an earlier id was still uncommitted. A transaction
-- slower than that (or an event dated earlier than its writing, as staff intake's are)
-- could be passed over for good. They now read it as the event feed does (0012): by
-- transaction and id, only below the oldest transaction still running.
ALTER TABLE task_event_cursor ADD COLUMN txid xid8 NOT NULL DEFAULT '0';

-- The cursor resumes just before the first event the old one had not read, so none is
-- lost; an event committed beside it may be delivered a second time.
UPDATE task_event_cursor c SET (txid, event_id) = (
    SELECT txid, id FROM (
        SELECT 0 AS pick, e.txid, e.id - 1 AS id
        FROM (SELECT txid, id FROM request_events WHERE id > c.event_id
              ORDER BY txid, id LIMIT 1) e
        UNION ALL
        SELECT 1, e.txid, e.id
        FROM (SELECT txid, id FROM request_events ORDER BY txid DESC, id DESC LIMIT 1) e
        UNION ALL
        SELECT 2, '0'::xid8, 0
    ) AS candidates
    ORDER BY pick LIMIT 1
);
