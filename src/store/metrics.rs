//! The yearly metrics' queries (reg. §7102) and what is kept of them. PostgreSQL counts
//! the year's requests itself and hands over their times to a response, 8 bytes each;
//! `domain::metrics` turns them into the report. A finished year is kept as its figures,
//! a running one as its closed requests added up to an hour ago (`metrics_running`).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::domain::kinds::{Channel, RequestKind, RequestStatus};
use crate::domain::metrics::{Days, Group, RESPONDED, Row, Timing, left_out_codes};

// The year's closed requests are read from `requests_closed_metrics_idx` (a partial
// index carrying every column read; migration 0022), or those closed since a time from
// `requests_closed_idx`; its open ones from `requests_open_received_idx`, which carries
// what they are counted by (migration 0028). The kinds left out are bound from the domain
// (`domain::metrics::counts`): the indexes do not depend on them. The statements are not
// kept prepared: a generic plan would not know whether a range of closing times is a
// year or an hour.

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
    days: Option<Vec<f64>>,
}

/// Closed requests of a year, added up: their counts per kind, channel, status and
/// outcome, and their times to a substantive response.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Closed {
    pub groups: Vec<Group>,
    pub days: Days,
}

impl Closed {
    /// Adds another part of the year: groups of the same key are summed, so a part kept
    /// and added to for a year stays a few dozen groups.
    pub fn merge(&mut self, other: Closed) {
        for g in other.groups {
            match self.groups.iter_mut().find(|mine| {
                (mine.kind, mine.channel, mine.status, &mine.outcome_code)
                    == (g.kind, g.channel, g.status, &g.outcome_code)
            }) {
                Some(mine) => mine.count += g.count,
                None => self.groups.push(g),
            }
        }
        self.days.merge(&other.days);
    }
}

/// Requests received in `[from, until)` and closed in `[closed_from, closed_before)`,
/// either end open when `None`.
pub async fn closed(
    pool: &PgPool,
    (from, until): (DateTime<Utc>, DateTime<Utc>),
    closed_from: Option<DateTime<Utc>>,
    closed_before: Option<DateTime<Utc>>,
) -> Result<Closed, sqlx::Error> {
    let responded: Vec<&str> = RESPONDED.iter().map(|s| s.code()).collect();
    // Which index serves depends on which end is set: a named range per case lets the
    // planner see it.
    let closing = match (closed_from, closed_before) {
        (None, None) => "",
        (None, Some(_)) => "AND closed_at < $6",
        (Some(_), None) => "AND closed_at >= $5",
        (Some(_), Some(_)) => "AND closed_at >= $5 AND closed_at < $6",
    };
    let sql = format!(
        "SELECT kind::text AS kind, channel::text AS channel, status::text AS status,
                outcome_code, count(*) AS count,
                -- date_part is float8; extract would be numeric, several times slower.
                array_agg(date_part('epoch', closed_at - received_at) / 86400)
                    FILTER (WHERE status = ANY($4)) AS days
         FROM requests
         WHERE received_at >= $1 AND received_at < $2 AND closed_at IS NOT NULL {closing}
           AND kind <> ALL($3)
         GROUP BY kind, channel, status, outcome_code"
    );
    let rows: Vec<GroupRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .persistent(false)
        .bind(from)
        .bind(until)
        .bind(left_out_codes())
        .bind(&responded)
        .bind(closed_from)
        .bind(closed_before)
        .fetch_all(pool)
        .await?;
    let mut part = Closed::default();
    for mut r in rows {
        let days = r.days.take().unwrap_or_default();
        part.days.add(r.kind, r.channel, days);
        part.groups.push(r.group());
    }
    Ok(part)
}

/// Requests received in `[from, until)` and still open, counted per kind, channel and
/// status.
pub async fn open(
    pool: &PgPool,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<Group>, sqlx::Error> {
    let rows: Vec<GroupRow> = sqlx::query_as(
        "SELECT kind::text AS kind, channel::text AS channel, status::text AS status,
                NULL::text AS outcome_code, count(*) AS count, NULL::float8[] AS days
         FROM requests
         WHERE received_at >= $1 AND received_at < $2 AND closed_at IS NULL
           AND kind <> ALL($3)
         GROUP BY kind, channel, status",
    )
    .persistent(false)
    .bind(from)
    .bind(until)
    .bind(left_out_codes())
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(GroupRow::group).collect())
}

impl GroupRow {
    fn group(self) -> Group {
        Group {
            kind: self.kind,
            channel: self.channel,
            status: self.status,
            outcome_code: self.outcome_code,
            count: u64::try_from(self.count).unwrap_or(0),
        }
    }
}

/// A running year's closed requests as added up by [`keep_running`]: those closed before
/// the time it returns.
pub async fn running(
    pool: &PgPool,
    year: i32,
    time_zone: &str,
    version: i32,
) -> Result<Option<(DateTime<Utc>, Closed)>, sqlx::Error> {
    let row: Option<(DateTime<Utc>, Value, Vec<u8>)> = sqlx::query_as(
        "SELECT closed_before, groups, days FROM metrics_running
         WHERE year = $1 AND time_zone = $2 AND version = $3",
    )
    .bind(year)
    .bind(time_zone)
    .bind(version)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|(before, groups, days)| {
        Some((
            before,
            Closed {
                groups: groups_from(&groups)?,
                days: days_from(&days)?,
            },
        ))
    }))
}

/// Keeps a running year's closed requests up to `closed_before`, in place of what
/// [`running`] read (`read`, the time it returned, or `None` if nothing): when another
/// instance kept a part meanwhile, its part stays and this one is dropped.
pub async fn keep_running(
    pool: &PgPool,
    (year, time_zone, version): (i32, &str, i32),
    read: Option<DateTime<Utc>>,
    closed_before: DateTime<Utc>,
    part: &Closed,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO metrics_running (year, time_zone, version, closed_before, groups, days, stored_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (year, time_zone, version) DO UPDATE
             SET closed_before = excluded.closed_before, groups = excluded.groups,
                 days = excluded.days, stored_at = excluded.stored_at
             WHERE metrics_running.closed_before IS NOT DISTINCT FROM $8",
    )
    .bind(year)
    .bind(time_zone)
    .bind(version)
    .bind(closed_before)
    .bind(groups_json(&part.groups))
    .bind(days_bytes(&part.days))
    .bind(now)
    .bind(read)
    .execute(pool)
    .await?;
    Ok(())
}

/// Forgets a year's running part: once the year is kept whole, or after requests were
/// written behind the portal's back.
pub async fn forget_running(pool: &PgPool, year: Option<i32>) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM metrics_running WHERE year = $1 OR $1 IS NULL")
        .bind(year)
        .execute(pool)
        .await?;
    Ok(())
}

/// Times as stored: per slot, its length (u32) then its values (f64), little-endian.
fn days_bytes(days: &Days) -> Vec<u8> {
    let mut out = Vec::with_capacity(days.len() * 8 + days.slots().len() * 4);
    for slot in days.slots() {
        out.extend_from_slice(&u32::try_from(slot.len()).unwrap_or(u32::MAX).to_le_bytes());
        for d in slot {
            out.extend_from_slice(&d.to_le_bytes());
        }
    }
    out
}

fn days_from(mut bytes: &[u8]) -> Option<Days> {
    let mut slots = Vec::new();
    while !bytes.is_empty() {
        let (len, rest) = bytes.split_first_chunk::<4>()?;
        let len = usize::try_from(u32::from_le_bytes(*len)).ok()?;
        let (values, rest) = rest.split_at_checked(len.checked_mul(8)?)?;
        slots.push(
            values
                .chunks_exact(8)
                .map(|v| f64::from_le_bytes(v.try_into().expect("eight bytes")))
                .collect(),
        );
        bytes = rest;
    }
    Days::from_slots(slots)
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
    .bind(groups_json(groups))
    .bind(Value::from(timings))
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

fn groups_json(groups: &[Group]) -> Value {
    groups
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
        .collect()
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
