-- Limits on what strangers can make the portal do.

-- Wrong tries on a download link, never reset by a new one-time code: past
-- `responses.link_attempts` the link is locked for good.
ALTER TABLE download_links ADD COLUMN failed_attempts integer NOT NULL DEFAULT 0;
