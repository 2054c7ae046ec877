-- A finished year's metrics (reg. §7102), kept once they can no longer change: the
-- year ended more than staff intake's 90 days of back-dating ago and none of its
-- requests is open. A closed request's kind, channel, status, outcome and dates never
-- change (the lifecycle refuses every change to a closed request, and purge keeps
-- them), so the stored aggregates are what the requests table would give, and a
-- report over a million requests reads one row instead of scanning the year. Keyed by
-- the business's time zone, which draws the year's bounds, and by the version of the
-- aggregates' shape.
CREATE TABLE metrics_years (
    year integer NOT NULL,
    time_zone text NOT NULL,
    version integer NOT NULL,
    groups jsonb NOT NULL,
    timings jsonb NOT NULL,
    stored_at timestamptz NOT NULL,
    PRIMARY KEY (year, time_zone, version)
);
