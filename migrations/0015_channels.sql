-- Every channel (reg. §7020, Civ. §1798.130(a)(1)): requests staff enter after
-- receiving them by phone, mail, e-mail or in person; opt-outs recorded for a browser
-- only; the response format a consumer asks for; a parent or guardian filing for a
-- child under 13. No index is added: intake pays for every index on `requests`.

ALTER TABLE requests DROP CONSTRAINT requests_channel_check;
ALTER TABLE requests ADD CONSTRAINT requests_channel_check
    CHECK (channel IN ('web', 'agent_web', 'drp', 'gpc', 'phone', 'mail', 'email', 'in_person'));

-- A request received by phone or mail may come without an e-mail address (it is then
-- answered by letter), and an opt-out may be for a browser only. Every other request
-- still has one.
ALTER TABLE requests ALTER COLUMN email DROP NOT NULL;
ALTER TABLE requests
    -- The random id of the browser a browser-only opt-out covers (a cookie, nothing
    -- that identifies the person).
    ADD COLUMN browser_id           uuid,
    ADD COLUMN response_format      text CHECK (response_format IN ('large_print', 'audio', 'braille', 'other')),
    ADD COLUMN response_format_note text,
    -- Staff intake: who entered it, and why the day of receipt is earlier than the
    -- day it was entered.
    ADD COLUMN entered_by           uuid REFERENCES staff_users (id) ON DELETE SET NULL,
    ADD COLUMN received_note        text,
    -- When a parent or guardian declared that the consumer is their child under 13.
    ADD COLUMN guardian_declared_at timestamptz;
ALTER TABLE requests ADD CONSTRAINT requests_email_by_channel CHECK (
    email IS NOT NULL
    OR channel IN ('phone', 'mail', 'email', 'in_person')
    OR (channel = 'web' AND browser_id IS NOT NULL AND kind IN ('opt_out', 'limit_sensitive'))
);

ALTER TABLE requests DROP CONSTRAINT requests_agent_authority_check;
ALTER TABLE requests ADD CONSTRAINT requests_agent_authority_check
    CHECK (agent_authority IN ('signed_permission', 'power_of_attorney', 'parent_guardian'));

-- Opt-outs recorded for a browser, not a person: kept apart from the e-mail-keyed
-- suppression list (`opt_outs`), which downstream systems match against addresses.
CREATE TABLE browser_opt_outs (
    browser_id uuid NOT NULL,
    scope      text NOT NULL CHECK (scope IN ('sale_sharing', 'sensitive_use')),
    request_id uuid REFERENCES requests (id) ON DELETE SET NULL,
    since      timestamptz NOT NULL,
    PRIMARY KEY (browser_id, scope)
);
