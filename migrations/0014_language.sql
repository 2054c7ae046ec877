-- The language a request was filed in: every later e-mail to the consumer (and copies
-- to their agent) is written in it. Existing requests were all filed in English.
-- A constant default adds the column without rewriting the table; no index: nothing
-- looks requests up by language.
ALTER TABLE requests
    ADD COLUMN language text NOT NULL DEFAULT 'en'
        CONSTRAINT requests_language_check CHECK (language IN ('en', 'es'));
