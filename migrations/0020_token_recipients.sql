-- A token bound to a recipient names a real one. A recipient is deactivated, never
-- deleted, by the portal; should one be deleted all the same (by hand, in SQL), the
-- tokens bound to it go with it: SET NULL would leave them unbound, and an unbound
-- token with `tasks:write` completes every recipient's tasks.

-- Tokens bound to an id that names no recipient (the console and `token add` took any
-- number until now) could only ever complete nothing; they are revoked, and their
-- binding, which the key cannot hold, is dropped. Revoked, they open nothing.
UPDATE api_tokens t SET revoked_at = coalesce(t.revoked_at, now()), recipient_id = NULL
WHERE t.recipient_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM recipients c WHERE c.id = t.recipient_id);

-- No index on `recipient_id`: the key is checked when a recipient is deleted, which the
-- portal never does, and the table holds a handful of rows.
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_recipient_fkey
    FOREIGN KEY (recipient_id) REFERENCES recipients (id) ON DELETE CASCADE;
