-- Limits on what strangers can make the portal do.

-- Wrong tries on a download link, never reset by a new one-time code: past
-- `responses.link_attempts` the link is locked for good.
ALTER TABLE download_links ADD COLUMN failed_attempts integer NOT NULL DEFAULT 0;

-- Failed staff sign-ins per (address, client network), keyed by a hash of both so the
-- table holds neither. Past `staff.throttle_after` failures each further try from that
-- client for that address waits twice as long as the last; the owner elsewhere is
-- never held up, so knowing an address is not enough to lock its owner out.
CREATE TABLE login_throttle (
    key         bytea PRIMARY KEY,
    failures    integer NOT NULL,
    wait_until  timestamptz,
    updated_at  timestamptz NOT NULL
);

-- Failures a day old are forgotten, and their rows removed a few at a time.
CREATE INDEX login_throttle_updated_idx ON login_throttle (updated_at);

-- Unsolicited e-mails (receipts, agent confirmations, agents' receipts: messages to an
-- address that nobody has yet shown to control) per address and UTC day, keyed by a
-- hash of the lower-cased address. Past `mail.unsolicited_per_day` the message is not
-- queued; the request's audit trail records it as suppressed.
CREATE TABLE unsolicited_mail (
    address   bytea NOT NULL,
    day       date NOT NULL,
    messages  integer NOT NULL,
    PRIMARY KEY (address, day)
);
