-- Data Rights Protocol hardening: trusted agents, and signed bodies used once.

-- Only a trusted agent's `*_verified` claims count as matched data points (reg.
-- §7026(j)); every other agent's claims are recorded as claims.
ALTER TABLE agents
    ADD COLUMN trusted boolean NOT NULL DEFAULT false;

-- Signed bodies already accepted, by the SHA-256 of the signed message, kept until the
-- body expires: a replayed body then creates neither a second request nor a second
-- token. `request_id` is the request the body filed (none for key setup), so a group
-- written again after a lost answer recognises its own row.
CREATE TABLE drp_used_signatures (
    message_hash bytea PRIMARY KEY,
    expires_at   timestamptz NOT NULL,
    request_id   uuid
);

CREATE INDEX drp_used_signatures_expires_idx ON drp_used_signatures (expires_at);
