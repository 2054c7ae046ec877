//! The yearly metrics' two aggregate queries (reg. §7102). PostgreSQL counts and times
//! the year's requests itself, so a report over a million requests moves a few dozen rows,
//! not the requests; `domain::metrics` turns them into the report.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::domain::kinds::{Channel, RequestKind, RequestStatus};
use crate::domain::metrics::{Group, RESPONDED, Row, Timing};

#[derive(sqlx::FromRow)]
struct GroupRow {
    #[sqlx(try_from = "String")]
    kind: RequestKind,
    #[sqlx(try_from = "String")]
    channel: Channel,
    #[sqlx(try_from = "String")]
    status: RequestStatus,
    outcome_code: Option<String>,
    count: i64,
}

/// Requests received in `[from, until)`, counted per kind, channel, status and outcome.
pub async fn groups(
    pool: &PgPool,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<Group>, sqlx::Error> {
    let rows: Vec<GroupRow> = sqlx::query_as(
        "SELECT kind::text AS kind, channel::text AS channel, status::text AS status,
                outcome_code, count(*) AS count
         FROM requests
         WHERE received_at >= $1 AND received_at < $2 AND kind <> 'opt_in'
         GROUP BY kind, channel, status, outcome_code",
    )
    .bind(from)
    .bind(until)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Group {
            kind: r.kind,
            channel: r.channel,
            status: r.status,
            outcome_code: r.outcome_code,
            count: u64::try_from(r.count).unwrap_or(0),
        })
        .collect())
}

/// Median and mean days from receipt to a substantive response, per report row, over the
/// complied and denied requests received in `[from, until)`. A request to know counts
/// under its kind and under "know"; a GPC opt-out under "opt-out" and "by GPC"
/// (`Row::of`, written here as arrays so one scan serves every row).
pub async fn timings(
    pool: &PgPool,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<Timing>, sqlx::Error> {
    let responded: Vec<&str> = RESPONDED.iter().map(|s| s.code()).collect();
    let rows: Vec<(String, f64, f64)> = sqlx::query_as(
        "SELECT row, percentile_cont(0.5) WITHIN GROUP (ORDER BY days), avg(days)
         FROM (
             SELECT unnest(CASE
                        WHEN kind IN ('know_categories', 'know_specific') THEN ARRAY['know', kind::text]
                        WHEN kind = 'opt_out' AND channel = 'gpc' THEN ARRAY['opt_out', 'opt_out_gpc']
                        ELSE ARRAY[kind::text] END) AS row,
                    extract(epoch FROM closed_at - received_at)::float8 / 86400 AS days
             FROM requests
             WHERE received_at >= $1 AND received_at < $2 AND kind <> 'opt_in'
               AND status::text = ANY($3) AND closed_at IS NOT NULL
         ) AS responded
         GROUP BY row",
    )
    .bind(from)
    .bind(until)
    .bind(&responded)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(row, median_days, mean_days)| {
            Row::parse(&row).map(|row| Timing {
                row,
                median_days,
                mean_days,
            })
        })
        .collect())
}
