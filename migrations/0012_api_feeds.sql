-- The business API under /api/v1: bearer tokens, and two feeds that downstream systems
-- poll (the suppression list's changes and the requests' lifecycle events).

-- Tokens an admin issues to a business system. Only the SHA-256 of the token is kept:
-- the token itself is shown once. `recipient_id` binds a token to one downstream
-- recipient (its foreign key comes with the migration that joins this branch's tables
-- with `recipients`). `created_by` is NULL for a token made on the command line.
CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_hash   bytea NOT NULL UNIQUE,
    scopes       text[] NOT NULL CHECK (cardinality(scopes) > 0
        AND scopes <@ ARRAY['suppressions:read', 'tasks:write', 'events:read']),
    recipient_id bigint,
    created_by   uuid REFERENCES staff_users (id),
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- A live token is named uniquely, so `token revoke NAME` means one token; a revoked
-- token's name may be given again.
CREATE UNIQUE INDEX api_tokens_live_name_key ON api_tokens (lower(name)) WHERE revoked_at IS NULL;

-- Feeds in commit-safe order. A sequence hands out numbers when rows are written, not
-- when they commit: a transaction that took 41 may commit after one that took 42, and
-- a poller that had already moved past 42 would never see 41. So every feed row also
-- records its writer's transaction id (xid8, which never wraps), the feeds are ordered
-- by (transaction id, sequence), and a read serves only rows written by transactions
-- older than every transaction still in flight (`pg_snapshot_xmin` of its snapshot).
-- Every later commit then sorts after what was served. Writers take no lock and wait
-- for nothing; a long writing transaction only delays the feeds while it runs.

-- Every addition to and removal from the suppression list, in order: a removal (an
-- opt-in) is a tombstone, so a poller that mirrors the list can drop the address.
-- Written by triggers on `opt_outs`, in the same transaction as the change, whichever
-- code makes it.
CREATE TABLE suppression_changes (
    txid    xid8 NOT NULL DEFAULT pg_current_xact_id(),
    seq     bigint GENERATED ALWAYS AS IDENTITY,
    change  text NOT NULL CHECK (change IN ('added', 'removed')),
    email   text NOT NULL,
    scope   text NOT NULL CHECK (scope IN ('sale_sharing', 'sensitive_use')),
    channel text NOT NULL,
    -- For an addition, since when the address is on the list; for a removal, when it
    -- was taken off.
    at      timestamptz NOT NULL,
    PRIMARY KEY (txid, seq)
);

-- The list as it stands, in the order its entries were made.
INSERT INTO suppression_changes (change, email, scope, channel, at)
SELECT 'added', email, scope, channel, since FROM opt_outs ORDER BY since, id;

CREATE FUNCTION opt_outs_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO suppression_changes (change, email, scope, channel, at)
    SELECT 'added', email, scope, channel, since FROM added ORDER BY id;
    RETURN NULL;
END;
$$;

CREATE FUNCTION opt_outs_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO suppression_changes (change, email, scope, channel, at)
    SELECT 'removed', email, scope, channel, now() FROM removed ORDER BY id;
    RETURN NULL;
END;
$$;

-- An entry whose address or scope is rewritten leaves the list as it was and joins it
-- as it is now.
CREATE FUNCTION opt_outs_rewritten() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO suppression_changes (change, email, scope, channel, at)
    SELECT c.change, c.email, c.scope, c.channel, c.at FROM (
        SELECT o.id, 1 AS step, 'removed' AS change, o.email, o.scope, o.channel, now() AS at
        FROM removed o JOIN added n ON n.id = o.id
        WHERE lower(o.email) <> lower(n.email) OR o.scope <> n.scope
        UNION ALL
        SELECT n.id, 2, 'added', n.email, n.scope, n.channel, n.since
        FROM removed o JOIN added n ON n.id = o.id
        WHERE lower(o.email) <> lower(n.email) OR o.scope <> n.scope
    ) c ORDER BY c.id, c.step;
    RETURN NULL;
END;
$$;

CREATE TRIGGER opt_outs_added AFTER INSERT ON opt_outs
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION opt_outs_added();
CREATE TRIGGER opt_outs_removed AFTER DELETE ON opt_outs
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION opt_outs_removed();
CREATE TRIGGER opt_outs_rewritten AFTER UPDATE ON opt_outs
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION opt_outs_rewritten();

-- The events feed reads `request_events` in the same order. Events written before this
-- migration all committed long ago: they share transaction id 0 and keep their id
-- order (a constant default: no table rewrite). New events record their own.
ALTER TABLE request_events ADD COLUMN txid xid8 NOT NULL DEFAULT '0';
ALTER TABLE request_events ALTER COLUMN txid SET DEFAULT pg_current_xact_id();

-- The one index intake pays for here (one entry per event it writes): the feed pages
-- by it. Every event is in the feed, so a partial index would save intake nothing.
CREATE INDEX request_events_feed_idx ON request_events (txid, id);
