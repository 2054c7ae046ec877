-- Intake's messages (the receipt, the consumer's confirm-the-agent message) are queued as
-- their template and parameters and rendered by the worker when it sends them
-- (`mail::deferred`): a submission writes a few hundred bytes to the outbox instead of
-- kilobytes of text and HTML, and the message's link is created, and its hash stored,
-- only then, so no raw token is ever at rest. Other messages are still queued rendered:
-- a row has either `params` or its subject and bodies. A delivered message keeps neither
-- its bodies nor its parameters (`store::outbox::mark_sent`).
ALTER TABLE outbox ADD COLUMN params jsonb;
ALTER TABLE outbox
    ALTER COLUMN subject DROP NOT NULL,
    ALTER COLUMN body_text DROP NOT NULL,
    ALTER COLUMN body_html DROP NOT NULL;

-- Indexes a web submission pays for, reviewed against the queries that read them (one
-- request row, one event, one outbox row, one unsolicited-mail count; since the receipt
-- is deferred, no verification token). What stays, and the query it serves:
--
-- requests
--   requests_pkey                  every lookup by id; the outbox's and events' joins
--   requests_tracking_code_key     uniqueness of tracking codes; status page, console
--   requests_email_idx             other requests from the same address (store::detail),
--                                  the queue's e-mail filter, has_opt_out, Shine the Light
--   requests_queue_idx             the staff queue (store::queue); now also the overdue
--                                  sweep (store::sweeps::newly_overdue: closed_at IS NULL
--                                  AND due_on < today, then overdue_alerted_at IS NULL)
--   requests_unverified_idx        close_unverified (worker::sweeps)
--   requests_to_remind_idx         remind_unverified (worker::sweeps)
--   requests_open_search_idx       the console's search (store::queue)
--   requests_open_received_idx     the console's sort by received (store::queue)
--   (partial, not paid by a web submission: requests_drp_request_id_key,
--   requests_agent_access_key, requests_assignee_idx, requests_closed_idx,
--   requests_to_purge_idx, requests_verification_kept_idx, requests_opt_outs_to_apply_idx,
--   requests_stl_record_check_idx)
-- request_events
--   request_events_pkey            identity
--   request_events_request_idx     a request's audit trail (detail page, record, status)
--   request_events_feed_idx        the events feed (store::feeds)
-- outbox
--   outbox_pkey                    the worker's updates by id
--   outbox_pending_idx             claim_next (sent_at IS NULL AND failed_at IS NULL)
--   outbox_request_idx             a request's messages (record, purge)
-- verification_tokens
--   verification_tokens_token_hash_key   opening a link
--   verification_tokens_request_idx      issuing a new link expires the request's others
--
-- Dropped:
-- requests_overdue_unalerted_idx: the overdue sweep reads the open requests past their
-- deadline through requests_queue_idx, which has the same predicate (closed_at IS NULL)
-- and key (due_on); the overdue and not yet alerted are few, and every submission paid
-- for an entry here.
DROP INDEX IF EXISTS requests_overdue_unalerted_idx;
-- outbox_message_id_key: nothing looks a message up by its Message-ID, which is a random
-- UUID; its entries landed on random pages of the index, the costliest kind of insert.
ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_message_id_key;
