-- A consumer opting back in to the sale or sharing of their personal information, asked
-- for by an agent over the Data Rights Protocol and confirmed by the consumer from a link
-- e-mailed to them (reg. §7028: two steps). It is not one of the consumer's rights, so
-- it has no legal clock: its confirmation window is kept in confirm_by/respond_by.

ALTER TABLE requests DROP CONSTRAINT requests_kind_check;
ALTER TABLE requests ADD CONSTRAINT requests_kind_check
    CHECK (kind IN ('know_categories', 'know_specific', 'delete', 'correct', 'opt_out', 'limit_sensitive', 'opt_in'));

-- The link that confirms (or declines) an opt-in.
ALTER TABLE verification_tokens DROP CONSTRAINT verification_tokens_purpose_check;
ALTER TABLE verification_tokens ADD CONSTRAINT verification_tokens_purpose_check
    CHECK (purpose IN ('verify_email', 'confirm_agent', 'confirm_opt_in'));
