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
