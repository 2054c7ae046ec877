//! The yearly metrics report (reg. §7102): the year's bounds in business time, the two
//! aggregate queries, and the report in each format the CLI, the staff page and the
//! public page give out. Nothing is written but a finished year's aggregates, kept so
//! that its report reads one row.

use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sqlx::PgPool;

use crate::clock::start_of_day;
use crate::domain::actions::outcome_label;
use crate::domain::metrics::{self, Line, Report};
use crate::store;

/// The formats of `rightsdesk report metrics --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Csv,
    Json,
    Html,
}

impl Format {
    pub fn parse(code: &str) -> Option<Format> {
        match code {
            "text" => Some(Format::Text),
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "html" => Some(Format::Html),
            _ => None,
        }
    }
}

/// The first and last years a report may be asked for: a typo such as 20266 is refused,
/// not run as an empty year.
pub const YEARS: std::ops::RangeInclusive<i32> = 2020..=2100;

/// January 1 of `year` to January 1 of the next, in the business's time zone: a request
/// received at 23:30 on December 31 in California belongs to that year.
pub fn bounds(tz: Tz, year: i32) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1)?;
    let next = NaiveDate::from_ymd_opt(year + 1, 1, 1)?;
    Some((start_of_day(tz, first), start_of_day(tz, next)))
}

/// The shape of what `store::metrics` keeps for a year, finished or running. Bump it
/// when the queries or what they return change, so kept years are counted again.
const KEPT_VERSION: i32 = 2;

/// A running year's closed requests are added up to this long ago, never later: a request
/// closes in a transaction that started a moment before it commits, and the instances'
/// clocks differ a little. Later closings are counted from the requests each time.
const SETTLED: chrono::Duration = chrono::Duration::hours(1);

/// How old the added-up part of a running year may grow before a report adds the
/// closings since: a day's closings are few to count each time.
const REFRESH_AFTER: chrono::Duration = chrono::Duration::days(1);

/// The report for requests received in `year`, whenever they closed, as of `now`. A
/// finished year (see [`finished`]) is counted once and kept; later reports read it. A
/// running year's closed requests are kept added up (see [`SETTLED`]), so a report
/// counts its open requests and its latest closings, not the whole year.
pub async fn yearly(
    pool: &PgPool,
    tz: Tz,
    year: i32,
    now: DateTime<Utc>,
) -> Result<Report, sqlx::Error> {
    let Some((from, until)) = bounds(tz, year) else {
        return Ok(metrics::tally(year, &[], &[]));
    };
    if let Some((groups, timings)) =
        store::metrics::kept(pool, year, tz.name(), KEPT_VERSION).await?
    {
        return Ok(metrics::tally(year, &groups, &timings));
    }
    // Asked before counting: a year with nothing open and past back-dating cannot change
    // while it is counted, so what is counted may be kept.
    let finished = finished(until, now) && !store::metrics::any_open(pool, from, until).await?;
    let (before, mut closed) = settled(pool, tz, year, (from, until), now).await?;
    let (since, open) = tokio::try_join!(
        store::metrics::closed(pool, (from, until), before, None),
        store::metrics::open(pool, from, until)
    )?;
    closed.merge(since);
    let timings = closed.days.timings();
    let mut groups = closed.groups;
    groups.extend(open);
    if finished {
        store::metrics::keep(
            pool,
            year,
            tz.name(),
            KEPT_VERSION,
            (&groups, &timings),
            now,
        )
        .await?;
        store::metrics::forget_running(pool, Some(year)).await?;
    }
    Ok(metrics::tally(year, &groups, &timings))
}

/// The year's requests closed before the time returned (`None`: none counted yet), as
/// kept, brought up to [`SETTLED`] ago when older than [`REFRESH_AFTER`]. What was kept
/// is dropped when `now` is before it (a clock set back could close a request before the
/// time it was kept to, and it would never be counted).
async fn settled(
    pool: &PgPool,
    tz: Tz,
    year: i32,
    (from, until): (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
) -> Result<(Option<DateTime<Utc>>, store::metrics::Closed), sqlx::Error> {
    let read = store::metrics::running(pool, year, tz.name(), KEPT_VERSION).await?;
    let stored = read.as_ref().map(|(before, _)| *before);
    let (before, mut closed) = match read {
        Some((before, closed)) if before <= now => (Some(before), closed),
        _ => (None, store::metrics::Closed::default()),
    };
    let target = now - SETTLED;
    // Nothing of the year has closed before it began.
    if target <= from || before.is_some_and(|b| b + REFRESH_AFTER > now) {
        return Ok((before, closed));
    }
    let added = store::metrics::closed(pool, (from, until), before, Some(target)).await?;
    closed.merge(added);
    store::metrics::keep_running(
        pool,
        (year, tz.name(), KEPT_VERSION),
        stored,
        target,
        &closed,
        now,
    )
    .await?;
    Ok((Some(target), closed))
}

/// The report counted from the requests themselves, never from what is kept: what
/// [`yearly`] gives, the slow way.
pub async fn counted(pool: &PgPool, tz: Tz, year: i32) -> Result<Report, sqlx::Error> {
    let Some((from, until)) = bounds(tz, year) else {
        return Ok(metrics::tally(year, &[], &[]));
    };
    let (closed, open) = tokio::try_join!(
        store::metrics::closed(pool, (from, until), None, None),
        store::metrics::open(pool, from, until)
    )?;
    let timings = closed.days.timings();
    let mut groups = closed.groups;
    groups.extend(open);
    Ok(metrics::tally(year, &groups, &timings))
}

/// Whether no request can any longer be received into a year that ended at `until`:
/// staff enter a request received by mail or phone up to
/// [`MAX_DAYS_EARLIER`](crate::domain::channels::MAX_DAYS_EARLIER) days back, and
/// every other channel receives now. A day more for the time zones' edges.
pub fn finished(until: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now >= until + chrono::Duration::days(crate::domain::channels::MAX_DAYS_EARLIER + 1)
}

fn days(d: Option<f64>) -> String {
    d.map_or_else(|| "–".into(), |d| format!("{d:.1}"))
}

/// A line as a person reads it, for the text and HTML forms.
pub struct LineView {
    pub label: &'static str,
    pub received: u64,
    pub complied: u64,
    pub denied: u64,
    /// One count per column of [`Table::reasons`].
    pub by_reason: Vec<u64>,
    pub median: String,
    pub mean: String,
}

/// The report as a table: its rows, and one denial column per reason that occurred.
pub struct Table {
    pub year: i32,
    pub business: String,
    /// (code, label) of each denial column.
    pub reasons: Vec<(String, &'static str)>,
    pub lines: Vec<LineView>,
}

impl Table {
    pub fn new(report: &Report, business: &str) -> Table {
        let codes = report.reasons_used();
        Table {
            year: report.year,
            business: business.to_owned(),
            reasons: codes
                .iter()
                .map(|c| (c.clone(), reason_heading(c)))
                .collect(),
            lines: report
                .lines
                .iter()
                .map(|l| LineView {
                    label: l.row.label(),
                    received: l.received,
                    complied: l.complied,
                    denied: l.denied,
                    by_reason: codes.iter().map(|c| l.denied_for(c)).collect(),
                    median: days(l.median_days),
                    mean: days(l.mean_days),
                })
                .collect(),
        }
    }
}

/// A short heading for a denial column.
fn reason_heading(code: &str) -> &'static str {
    match code {
        "identity_not_verified" => "Identity not verified",
        "suspected_fraud" => "Suspected fraud",
        "exception" => "Exception in the law",
        "other" => "Other",
        "too_many_requests" => "Too many requests",
        "agent_not_authorized" => "Agent not authorized",
        _ => outcome_label(code),
    }
}

/// The publishable table: a page of its own for the privacy policy.
#[derive(Template)]
#[template(path = "metrics/public.html")]
pub struct PublicPage<'a> {
    pub table: &'a Table,
}

/// The report in `format`.
pub fn render(report: &Report, business: &str, format: Format) -> Result<String, askama::Error> {
    Ok(match format {
        Format::Json => json(report).to_string(),
        Format::Csv => csv(report),
        Format::Text => text(&Table::new(report, business)),
        Format::Html => PublicPage {
            table: &Table::new(report, business),
        }
        .render()?,
    })
}

/// `{"year": 2026, "rows": {"delete": {"received": 3, …, "denied_by_reason": {…}}}}`.
pub fn json(report: &Report) -> serde_json::Value {
    let rows: serde_json::Map<String, serde_json::Value> = report
        .lines
        .iter()
        .map(|l: &Line| {
            let reasons: serde_json::Map<String, serde_json::Value> = l
                .denied_by_reason
                .iter()
                .map(|(c, n)| (c.clone(), (*n).into()))
                .collect();
            (
                l.row.code().to_owned(),
                serde_json::json!({
                    "label": l.row.label(),
                    "received": l.received,
                    "complied": l.complied,
                    "denied": l.denied,
                    "denied_by_reason": reasons,
                    "median_days": l.median_days,
                    "mean_days": l.mean_days,
                }),
            )
        })
        .collect();
    serde_json::json!({ "year": report.year, "rows": rows })
}

/// One line per row; a column for every reason code a denial can carry, so the columns
/// stay the same from year to year.
pub fn csv(report: &Report) -> String {
    let reasons: Vec<&str> = metrics::reason_codes().collect();
    let mut out = format!(
        "year,row,received,complied,denied,{},median_days,mean_days\n",
        reasons
            .iter()
            .map(|c| format!("denied_{c}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    for l in &report.lines {
        let by: Vec<String> = reasons
            .iter()
            .map(|c| l.denied_for(c).to_string())
            .collect();
        let opt = |d: Option<f64>| d.map_or_else(String::new, |d| format!("{d:.2}"));
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            report.year,
            l.row.code(),
            l.received,
            l.complied,
            l.denied,
            by.join(","),
            opt(l.median_days),
            opt(l.mean_days)
        ));
    }
    out
}

fn text(t: &Table) -> String {
    let mut out = format!(
        "Privacy requests received in {} ({})\n\n{:<58} {:>9} {:>9} {:>9} {:>8} {:>8}\n",
        t.year, t.business, "", "received", "complied", "denied", "median", "mean"
    );
    for l in &t.lines {
        out.push_str(&format!(
            "{:<58} {:>9} {:>9} {:>9} {:>8} {:>8}\n",
            l.label, l.received, l.complied, l.denied, l.median, l.mean
        ));
        for ((_, heading), n) in t.reasons.iter().zip(&l.by_reason) {
            if *n > 0 {
                out.push_str(&format!("    denied: {heading}: {n}\n"));
            }
        }
    }
    out.push_str("\nComplied with: in whole or in part. Times: days from receipt to a substantive response (complied or denied).\n");
    out
}

/// The rows of the staff page's chart, largest count first to scale against.
pub fn chart(report: &Report) -> Chart {
    const LEFT: u32 = 300;
    const WIDTH: u32 = 420;
    const ROW: u32 = 64;
    let max = report
        .lines
        .iter()
        .map(|l| l.received)
        .max()
        .unwrap_or(0)
        .max(1);
    let scale = |n: u64| ((n as f64 / max as f64) * f64::from(WIDTH)).round() as u32;
    let groups = report
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let y = 10 + ROW * i as u32;
            let bar = |k: u32, n: u64, class: &'static str, what: &'static str| Bar {
                x: LEFT,
                y: y + 4 + k * 18,
                width: scale(n),
                class,
                value: n,
                what,
                text_x: LEFT + scale(n) + 6,
                text_y: y + 17 + k * 18,
            };
            ChartRow {
                label: l.row.label(),
                label_y: y + 30,
                bars: vec![
                    bar(0, l.received, "received", "received"),
                    bar(1, l.complied, "complied", "complied with"),
                    bar(2, l.denied, "denied", "denied"),
                ],
            }
        })
        .collect::<Vec<_>>();
    Chart {
        height: 20 + ROW * groups.len() as u32,
        width: LEFT + WIDTH + 60,
        rows: groups,
    }
}

pub struct Chart {
    pub width: u32,
    pub height: u32,
    pub rows: Vec<ChartRow>,
}

pub struct ChartRow {
    pub label: &'static str,
    pub label_y: u32,
    pub bars: Vec<Bar>,
}

pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub class: &'static str,
    pub value: u64,
    pub what: &'static str,
    pub text_x: u32,
    pub text_y: u32,
}
