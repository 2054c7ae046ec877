-- Staff see a consumer's data on more than the request's page and its files: printing a
-- letter to the consumer (the receipt letter, a Shine the Light answer), and exporting
-- the queue with names and e-mail addresses. Both go on the request's trail.
ALTER TABLE record_views DROP CONSTRAINT record_views_what_check;
ALTER TABLE record_views ADD CONSTRAINT record_views_what_check
    CHECK (what IN ('request_page', 'record_page', 'record_json', 'file', 'letter', 'list_export'));

-- The purge finds a request's rows in these tables by the request; without an index
-- each batch of the purge would read the whole table.
CREATE INDEX task_deliveries_request_idx ON task_deliveries (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX drp_callbacks_request_idx ON drp_callbacks (request_id);
CREATE INDEX opt_outs_request_idx ON opt_outs (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX browser_opt_outs_request_idx ON browser_opt_outs (request_id) WHERE request_id IS NOT NULL;
