-- The language a request was filed in (`requests.language`, there since 0001 with the
-- default 'en') is now written at filing and read for every later e-mail to the
-- consumer (and copies to their agent). Only the languages the portal speaks may be
-- stored. NOT VALID then VALIDATE: the check is added without blocking writes while
-- existing rows are checked. No index: nothing looks requests up by language.
ALTER TABLE requests
    ADD CONSTRAINT requests_language_check CHECK (language IN ('en', 'es')) NOT VALID;
ALTER TABLE requests VALIDATE CONSTRAINT requests_language_check;
