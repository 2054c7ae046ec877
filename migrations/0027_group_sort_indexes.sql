-- Sorted by kind, channel or status, the console's queue groups open requests and lists
-- each group by legal deadline, soonest first, as the unsorted queue does: an analyst
-- sorting by kind wants the most urgent deletions at the top of the deletions. These
-- partial indexes give those orders (with the id, the keyset's tie-breaker); without
-- them a page sorted every open request (about 0.3-0.7 s at 214,000 open). Status's
-- index from 0024 sorted by id within a status; it is rebuilt with the deadline.
CREATE INDEX requests_open_kind_idx ON requests (kind, due_on, id)
    WHERE closed_at IS NULL;
CREATE INDEX requests_open_channel_idx ON requests (channel, due_on, id)
    WHERE closed_at IS NULL;
DROP INDEX requests_open_status_idx;
CREATE INDEX requests_open_status_idx ON requests (status, due_on, id)
    WHERE closed_at IS NULL;
-- Sorted by assignee, the groups are the staff in the order of their e-mail addresses,
-- unassigned first; `store::queue` reads each group from this index (NULL, unassigned,
-- is a key like any other). It also serves what `requests_assignee_idx` served (one
-- staff member's open requests by deadline), which goes.
CREATE INDEX requests_open_assignee_idx ON requests (assignee_id, due_on, id)
    WHERE closed_at IS NULL;
DROP INDEX requests_assignee_idx;
