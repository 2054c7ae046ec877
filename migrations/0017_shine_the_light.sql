-- "Shine the Light" requests (Civ. §1798.83): what personal information the business
-- disclosed to third parties for their direct marketing in the preceding calendar year,
-- and to whom. Not a CCPA request: one clock (respond_by, 30 days, 150 when the request
-- reached an address the business did not designate), no confirm_by.

ALTER TABLE requests DROP CONSTRAINT requests_kind_check;
ALTER TABLE requests ADD CONSTRAINT requests_kind_check
    CHECK (kind IN ('know_categories', 'know_specific', 'delete', 'correct', 'opt_out',
                    'limit_sensitive', 'opt_in', 'shine_the_light'));

ALTER TABLE requests DROP CONSTRAINT requests_clock_matches_kind;
ALTER TABLE requests ADD CONSTRAINT requests_clock_matches_kind CHECK (
    (kind IN ('opt_out', 'limit_sensitive') AND comply_by IS NOT NULL)
    OR (kind = 'shine_the_light' AND respond_by IS NOT NULL)
    OR (kind NOT IN ('opt_out', 'limit_sensitive', 'shine_the_light')
        AND confirm_by IS NOT NULL AND respond_by IS NOT NULL)
);

-- Set by staff: the request reached an address the business did not designate, so it
-- is due 150 days after receipt. A constant default adds no work to a submission.
ALTER TABLE requests ADD COLUMN stl_undesignated_address boolean NOT NULL DEFAULT false;
-- When staff were told the year's record was missing five days before the due date.
ALTER TABLE requests ADD COLUMN stl_record_alerted_at timestamptz;

-- The sweep's candidates: open Shine the Light requests not yet checked. Partial, so the
-- other kinds' submissions do not write to it.
CREATE INDEX requests_stl_record_check_idx ON requests (due_on)
    WHERE kind = 'shine_the_light' AND closed_at IS NULL AND stl_record_alerted_at IS NULL;

-- The business's direct-marketing disclosures, per calendar year, kept by admins. A year
-- is complete when nothing was disclosed, or with at least one category and one third
-- party; `complete` is kept by the code that writes either table.
CREATE TABLE stl_years (
    year              integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2200),
    nothing_disclosed boolean NOT NULL DEFAULT false,
    categories        text[] NOT NULL DEFAULT '{}',
    complete          boolean NOT NULL DEFAULT false,
    updated_at        timestamptz NOT NULL,
    updated_by        uuid REFERENCES staff_users (id) ON DELETE SET NULL
);

CREATE TABLE stl_third_parties (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    year       integer NOT NULL REFERENCES stl_years (year) ON DELETE CASCADE,
    name       text NOT NULL,
    address    text NOT NULL,
    examples   text,
    created_at timestamptz NOT NULL
);

CREATE INDEX stl_third_parties_year_idx ON stl_third_parties (year);

-- The answer each request was sent, as sent: the record it was built from (`answer`)
-- and the e-mail's text. A later change of the year's record changes no answer.
CREATE TABLE stl_answers (
    request_id uuid PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
    year       integer NOT NULL,
    answer     jsonb NOT NULL,
    body_text  text NOT NULL,
    sent_at    timestamptz NOT NULL
);

-- A second request of the same customer while the first is open: answered with it.
CREATE TABLE stl_links (
    request_id uuid PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
    first_id   uuid NOT NULL REFERENCES requests (id) ON DELETE CASCADE
);

CREATE INDEX stl_links_first_idx ON stl_links (first_id);
