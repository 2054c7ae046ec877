//! The yearly metrics' two aggregate queries (reg. §7102). PostgreSQL counts and times
//! the year's requests itself, so a report over a million requests moves a few dozen rows,
//! not the requests; `domain::metrics` turns them into the report.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::domain::kinds::{Channel, RequestKind, RequestStatus};
use crate::domain::metrics::{Group, RESPONDED, Row, Timing, left_out_codes};

// Both queries read the year's closed requests from `requests_closed_metrics_idx` alone
// (a partial index carrying every column they read; migration 0022) and the year's
// open ones, few once a year is over, through `requests_open_received_idx`. The kinds
// left out are bound from the domain (`domain::metrics::counts`): the indexes do not
// depend on them, and `<> ALL` of the few codes costs per row what `NOT IN` did.

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
         FROM (
             SELECT kind, channel, status, outcome_code FROM requests
             WHERE received_at >= $1 AND received_at < $2 AND closed_at IS NOT NULL
             UNION ALL
             SELECT kind, channel, status, outcome_code FROM requests
             WHERE received_at >= $1 AND received_at < $2 AND closed_at IS NULL
         ) AS received
         WHERE kind <> ALL($3)
         GROUP BY kind, channel, status, outcome_code",
    )
    .bind(from)
    .bind(until)
    .bind(left_out_codes())
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

/// Whether any request received in `[from, until)` is still open.
pub async fn any_open(
    pool: &PgPool,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM requests
                        WHERE received_at >= $1 AND received_at < $2 AND closed_at IS NULL)",
    )
    .bind(from)
    .bind(until)
    .fetch_one(pool)
    .await
}

/// A finished year's aggregates as stored by [`keep`], if they were. Rows this binary
/// cannot read (a code it does not know) make the whole entry unread, so the year is
/// counted again instead of reported short.
pub async fn kept(
    pool: &PgPool,
    year: i32,
    time_zone: &str,
    version: i32,
) -> Result<Option<(Vec<Group>, Vec<Timing>)>, sqlx::Error> {
    let row: Option<(Value, Value)> = sqlx::query_as(
        "SELECT groups, timings FROM metrics_years
         WHERE year = $1 AND time_zone = $2 AND version = $3",
    )
    .bind(year)
    .bind(time_zone)
    .bind(version)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|(groups, timings)| Some((groups_from(&groups)?, timings_from(&timings)?))))
}

/// Keeps a finished year's aggregates; a second writer of the same year keeps the first.
pub async fn keep(
    pool: &PgPool,
    year: i32,
    time_zone: &str,
    version: i32,
    (groups, timings): (&[Group], &[Timing]),
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let groups: Vec<Value> = groups
        .iter()
        .map(|g| {
            json!([
                g.kind.code(),
                g.channel.code(),
                g.status.code(),
                g.outcome_code,
                g.count
            ])
        })
        .collect();
    let timings: Vec<Value> = timings
        .iter()
        .map(|t| json!([t.row.code(), t.median_days, t.mean_days]))
        .collect();
    sqlx::query(
        "INSERT INTO metrics_years (year, time_zone, version, groups, timings, stored_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    )
    .bind(year)
    .bind(time_zone)
    .bind(version)
    .bind(Value::from(groups))
    .bind(Value::from(timings))
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

fn groups_from(stored: &Value) -> Option<Vec<Group>> {
    stored
        .as_array()?
        .iter()
        .map(|g| {
            let text = |i: usize| g.get(i).and_then(Value::as_str).map(str::to_owned);
            Some(Group {
                kind: RequestKind::try_from(text(0)?).ok()?,
                channel: Channel::try_from(text(1)?).ok()?,
                status: RequestStatus::try_from(text(2)?).ok()?,
                outcome_code: text(3),
                count: g.get(4)?.as_u64()?,
            })
        })
        .collect()
}

fn timings_from(stored: &Value) -> Option<Vec<Timing>> {
    stored
        .as_array()?
        .iter()
        .map(|t| {
            Some(Timing {
                row: Row::parse(t.get(0)?.as_str()?)?,
                median_days: t.get(1)?.as_f64()?,
                mean_days: t.get(2)?.as_f64()?,
            })
        })
        .collect()
}

/// Median and mean days from receipt to a substantive response, per report row, over the
/// complied and denied requests received in `[from, until)`. One scan, grouped twice: by
/// kind (a GPC opt-out apart) and by family (know, opt-out), which `Row::of` also counts
/// under. Groups are small numbers, not text, so the sort does not compare strings; the
/// sort gets the memory to stay out of temporary files.
pub async fn timings(
    pool: &PgPool,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<Timing>, sqlx::Error> {
    // Opt-outs other than by GPC (4) are no row of their own: "opt-out" is the family.
    const BY_KIND: &[Option<Row>] = &[
        Some(Row::KnowCategories),
        Some(Row::KnowSpecific),
        Some(Row::Delete),
        Some(Row::Correct),
        None,
        Some(Row::OptOutGpc),
        Some(Row::Limit),
    ];
    const BY_FAMILY: &[Option<Row>] = &[Some(Row::Know), Some(Row::OptOut)];
    let responded: Vec<&str> = RESPONDED.iter().map(|s| s.code()).collect();
    let mut tx = pool.begin().await?;
    sqlx::query("SET LOCAL work_mem = '64MB'")
        .execute(&mut *tx)
        .await?;
    let rows: Vec<(Option<i32>, Option<i32>, f64, f64)> = sqlx::query_as(
        "SELECT k, family, percentile_cont(0.5) WITHIN GROUP (ORDER BY days), avg(days)
         FROM (
             SELECT CASE kind WHEN 'know_categories' THEN 0 WHEN 'know_specific' THEN 1
                              WHEN 'delete' THEN 2 WHEN 'correct' THEN 3
                              WHEN 'opt_out' THEN CASE WHEN channel = 'gpc' THEN 5 ELSE 4 END
                              ELSE 6 END AS k,
                    CASE WHEN kind IN ('know_categories', 'know_specific') THEN 0
                         WHEN kind = 'opt_out' THEN 1 END AS family,
                    -- date_part is float8; extract would be numeric, several times slower.
                    date_part('epoch', closed_at - received_at) / 86400 AS days
             FROM requests
             WHERE received_at >= $1 AND received_at < $2 AND kind <> ALL($4)
               AND status = ANY($3) AND closed_at IS NOT NULL
         ) AS responded
         GROUP BY GROUPING SETS ((k), (family))",
    )
    .bind(from)
    .bind(until)
    .bind(&responded)
    .bind(left_out_codes())
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let slot = |table: &[Option<Row>], i: i32| {
        usize::try_from(i)
            .ok()
            .and_then(|i| table.get(i).copied().flatten())
    };
    Ok(rows
        .into_iter()
        .filter_map(|(k, family, median_days, mean_days)| {
            let row = match (k, family) {
                (Some(k), _) => slot(BY_KIND, k),
                (None, Some(f)) => slot(BY_FAMILY, f),
                (None, None) => None,
            }?;
            Some(Timing {
                row,
                median_days,
                mean_days,
            })
        })
        .collect())
}
