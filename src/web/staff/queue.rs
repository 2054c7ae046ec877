//! `/staff/requests`: the queue ordered by legal deadline, its filters, and its CSV.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::login::Me;
use super::session::Staff;
use crate::domain::console::{self, SortKey};
use crate::domain::email::EmailAddress;
use crate::domain::kinds::{Channel, RequestKind, RequestStatus};
use crate::domain::tracking::TrackingCode;
use crate::store::console as console_store;
use crate::store::queue::{self, Cursor, Filter};
use crate::web::errors::AppError;
use crate::web::{AppState, html};

const PAGE: i64 = 50;
const EXPORT_CAP: i64 = 100_000;
/// Days left at or under which a deadline is shown in red.
const URGENT_DAYS: i64 = 5;
/// Counts per status are shared by every page view for this long.
const COUNTS_FOR: Duration = Duration::from_secs(5);

/// The counts at the top of the queue, cached briefly per instance.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub by_status: Vec<(String, i64)>,
    pub overdue: i64,
}

/// The counts, served from memory and refreshed in the background by one task at a
/// time once they are `COUNTS_FOR` old, so no page view waits on a count of a large table.
#[derive(Default)]
pub struct CountsCache {
    value: std::sync::Mutex<Option<(Instant, NaiveDate, Counts)>>,
    refreshing: std::sync::atomic::AtomicBool,
}

async fn fresh_counts(state: &AppState, today: NaiveDate) -> Result<Counts, sqlx::Error> {
    Ok(Counts {
        by_status: queue::open_counts(&state.db).await?,
        overdue: queue::deadline_counts(&state.db, today).await?.overdue,
    })
}

async fn counts(state: &AppState, today: NaiveDate) -> Result<Counts, AppError> {
    use std::sync::atomic::Ordering;
    let cached = state
        .counts
        .value
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    match cached {
        Some((at, day, counts)) if day == today => {
            let stale = at.elapsed() >= COUNTS_FOR;
            if stale && !state.counts.refreshing.swap(true, Ordering::AcqRel) {
                let state = state.clone();
                tokio::spawn(async move {
                    if let Ok(fresh) = fresh_counts(&state, today).await {
                        *state.counts.value.lock().unwrap_or_else(|e| e.into_inner()) =
                            Some((Instant::now(), today, fresh));
                    }
                    state.counts.refreshing.store(false, Ordering::Release);
                });
            }
            Ok(counts)
        }
        _ => {
            let fresh = fresh_counts(state, today).await?;
            *state.counts.value.lock().unwrap_or_else(|e| e.into_inner()) =
                Some((Instant::now(), today, fresh.clone()));
            Ok(fresh)
        }
    }
}

/// The filters as typed in the address bar, checked: unknown values are dropped and
/// said so.
struct Parsed {
    filter: Filter,
    cursor: Option<Cursor>,
    /// Where the previous page ended, for a chosen sort.
    after: Option<Uuid>,
    problems: Vec<String>,
}

/// Shortest text searched by parts: shorter ones have no trigram to look up.
const SEARCH_MIN_CHARS: usize = 3;

fn parse(params: &HashMap<String, String>, me: Uuid) -> Parsed {
    let mut f = Filter::default();
    let mut problems = Vec::new();
    let get = |k: &str| params.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    if let Some(v) = get("kind") {
        match RequestKind::parse(v) {
            Ok(k) => f.kind = Some(k.code()),
            Err(_) => problems.push(format!("Unknown kind {v:?} ignored.")),
        }
    }
    if let Some(v) = get("status") {
        match RequestStatus::parse(v) {
            Ok(s) => {
                f.status = Some(s.code());
                f.closed = s.is_closed();
            }
            Err(_) => problems.push(format!("Unknown status {v:?} ignored.")),
        }
    }
    if let Some(v) = get("channel") {
        match Channel::parse(v) {
            Ok(c) => f.channel = Some(c.code()),
            Err(_) => problems.push(format!("Unknown channel {v:?} ignored.")),
        }
    }
    f.overdue = get("overdue").is_some();
    f.unverified = get("unverified").is_some();
    f.due_this_week = get("due_this_week").is_some();
    f.waiting_on_consumer = get("waiting").is_some();
    f.closed |= get("closed").is_some();
    // Tasks are written with the decision that closes a request, so only closed
    // requests can have them.
    f.tasks_open = get("tasks_open").is_some();
    f.closed |= f.tasks_open;
    if let Some(v) = get("due_within") {
        match v.parse::<u32>() {
            Ok(days) if days <= 3650 => f.due_within_days = Some(days),
            _ => problems.push("\"Due within\" takes a number of days.".into()),
        }
    }
    match get("assigned") {
        Some("me") => f.assigned_to = Some(me),
        Some("none") => f.unassigned = true,
        _ => {}
    }
    if let Some(q) = get("q") {
        if let Some(code) = TrackingCode::parse(q) {
            f.tracking_code = Some(code.to_string());
        } else if let Ok(email) = EmailAddress::parse(q) {
            f.email = Some(email.to_string());
        } else if q.chars().count() >= SEARCH_MIN_CHARS && q.chars().count() <= 200 {
            f.text = Some(q.to_string());
        } else {
            problems.push(format!(
                "Search by a tracking code, or at least {SEARCH_MIN_CHARS} characters of a name or an e-mail address."
            ));
        }
    }
    if let Some(v) = get("sort") {
        match SortKey::parse(v) {
            Some(key) => f.sort = key,
            None => problems.push(format!("Unknown sort {v:?} ignored.")),
        }
    }
    f.descending = get("dir") == Some("desc");
    let (cursor, after) = if f.default_order() {
        (get("after").and_then(parse_cursor), None)
    } else {
        (None, get("after").and_then(|a| a.parse().ok()))
    };
    Parsed {
        filter: f,
        cursor,
        after,
        problems,
    }
}

fn parse_cursor(raw: &str) -> Option<Cursor> {
    let mut parts = raw.splitn(3, '~');
    let (tag, at, id) = (parts.next()?, parts.next()?, parts.next()?);
    let id: Uuid = id.parse().ok()?;
    match tag {
        "o" if at == "-" => Some(Cursor::Open(None, id)),
        "o" => Some(Cursor::Open(Some(at.parse().ok()?), id)),
        "c" => Some(Cursor::Closed(at.parse::<DateTime<Utc>>().ok()?, id)),
        _ => None,
    }
}

fn cursor_after(row: &queue::Row, closed: bool) -> String {
    if closed {
        let at = row.closed_at.map(|t| t.to_rfc3339()).unwrap_or_default();
        format!("c~{at}~{}", row.id)
    } else {
        let due = row
            .due_on
            .map_or_else(|| "-".to_string(), |d| d.to_string());
        format!("o~{due}~{}", row.id)
    }
}

/// A queue row as shown.
pub struct Line {
    pub tracking_code: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub channel: &'static str,
    pub name: String,
    pub email: String,
    pub received: String,
    pub due: String,
    pub days_left: String,
    pub urgent: bool,
    pub extended: bool,
    pub verification: String,
    pub assignee: String,
    /// A "Shine the Light" request due within five days whose year is not recorded.
    pub stl_record_missing: bool,
}

fn line(row: &queue::Row, today: NaiveDate) -> Line {
    let left = row.due_on.map(|d| (d - today).num_days());
    let closed = row.closed_at.is_some();
    let legal = row.kind.has_legal_deadline();
    Line {
        tracking_code: row.tracking_code.clone(),
        kind: console::kind_label(row.kind),
        status: console::status_label(row.status),
        channel: console::channel_label(row.channel),
        name: row.full_name.clone().unwrap_or_else(|| "—".into()),
        email: row.email.clone().unwrap_or_default(),
        received: row.received_at.date_naive().to_string(),
        due: row.due_on.map_or_else(|| "—".into(), |d| d.to_string()),
        days_left: match (closed, left) {
            (true, _) => "closed".into(),
            (false, Some(n)) if n < 0 => format!("{} overdue", -n),
            (false, Some(n)) if !legal => format!("lapses in {n}"),
            (false, Some(n)) => n.to_string(),
            (false, None) => "—".into(),
        },
        urgent: !closed && legal && left.is_some_and(|n| n <= URGENT_DAYS),
        extended: row.extended_respond_by.is_some(),
        verification: row.verification_level.clone(),
        assignee: row.assignee.clone().unwrap_or_else(|| "—".into()),
        stl_record_missing: false,
    }
}

/// A column heading: its label, and the link that sorts by it (the other way when it
/// is the current sort).
pub struct Heading {
    pub label: &'static str,
    pub href: String,
    /// `ascending`/`descending` on the sorted column, for `aria-sort`.
    pub sorted: Option<&'static str>,
}

const HEADINGS: &[(SortKey, &str)] = &[
    (SortKey::TrackingCode, "Tracking code"),
    (SortKey::Kind, "Kind"),
    (SortKey::Status, "Status"),
    (SortKey::Name, "Name"),
    (SortKey::Email, "E-mail"),
    (SortKey::Channel, "Channel"),
    (SortKey::Assignee, "Assignee"),
    (SortKey::Received, "Received"),
    (SortKey::Due, "Due"),
];

fn headings(params: &HashMap<String, String>, f: &Filter) -> Vec<Heading> {
    HEADINGS
        .iter()
        .map(|&(key, label)| {
            let current = f.sort == key;
            let descending = current && !f.descending;
            let mut p: HashMap<String, String> = params
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "sort" | "dir" | "after"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            p.insert("sort".into(), key.code().into());
            if descending {
                p.insert("dir".into(), "desc".into());
            }
            Heading {
                label,
                href: format!("/staff/requests?{}", query_with(&p, None)),
                sorted: current.then_some(if f.descending {
                    "descending"
                } else {
                    "ascending"
                }),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "staff/queue.html")]
struct QueuePage<'a> {
    business: &'a str,
    me: Option<Me>,
    params: &'a HashMap<String, String>,
    lines: Vec<Line>,
    counts: Counts,
    problems: Vec<String>,
    next: Option<String>,
    export: String,
    /// The filters as a query string, carried to request pages for "next in this view".
    view: String,
    total: String,
    headings: Vec<Heading>,
    views: Vec<console_store::SavedView>,
    staff: Vec<crate::store::staff::StaffUser>,
    my_id: String,
    kinds: &'static [RequestKind],
    statuses: &'static [RequestStatus],
    channels: &'static [Channel],
}

impl QueuePage<'_> {
    fn param(&self, name: &str) -> &str {
        self.params.get(name).map(String::as_str).unwrap_or("")
    }

    fn kind_label(&self, k: &RequestKind) -> &'static str {
        console::kind_label(*k)
    }

    fn status_label(&self, s: &RequestStatus) -> &'static str {
        console::status_label(*s)
    }

    fn channel_label(&self, c: &Channel) -> &'static str {
        console::channel_label(*c)
    }

    fn status_code_label(&self, code: &str) -> &'static str {
        RequestStatus::parse(code).map_or("Unknown", console::status_label)
    }

    fn csrf(&self) -> &str {
        super::login::csrf_of(&self.me)
    }
}

/// The query string of `params` with `after` replaced.
pub(crate) fn query_with(params: &HashMap<String, String>, after: Option<&str>) -> String {
    let mut pairs: Vec<(&str, &str)> = params
        .iter()
        .filter(|(k, v)| k.as_str() != "after" && !v.is_empty())
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    pairs.sort();
    if let Some(after) = after {
        pairs.push(("after", after));
    }
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// Counted up to this many; beyond it the page says "more than". A count reads every row
/// it counts, on every page view: a thousand is more than a team works through at once,
/// and ten thousand made the count most of the page's time at a million requests.
const TOTAL_CAP: i64 = 1_000;

/// One page of the queue as the parsed filters select it.
async fn rows_of(
    state: &AppState,
    parsed: &Parsed,
    today: NaiveDate,
    limit: i64,
) -> Result<Vec<queue::Row>, AppError> {
    Ok(if parsed.filter.default_order() {
        queue::page(&state.db, &parsed.filter, today, parsed.cursor, limit).await?
    } else {
        queue::sorted_page(&state.db, &parsed.filter, today, parsed.after, limit).await?
    })
}

pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    if params.is_empty()
        && let Some(view) = console_store::default_view(&state.db, staff.id).await?
    {
        return Ok(Redirect::to(&format!("/staff/requests?{}", view.query)).into_response());
    }
    let today = state.clock.today(state.tz);
    let parsed = parse(&params, staff.id);
    let mut rows = rows_of(&state, &parsed, today, PAGE + 1).await?;
    let next = (rows.len() as i64 > PAGE).then(|| {
        rows.truncate(PAGE as usize);
        let last = rows.last().expect("a full page");
        let after = if parsed.filter.default_order() {
            cursor_after(last, parsed.filter.closed)
        } else {
            last.id.to_string()
        };
        format!("/staff/requests?{}", query_with(&params, Some(&after)))
    });
    // The first page holds every match when there is no next one: nothing to count.
    let first_page = parsed.cursor.is_none() && parsed.after.is_none();
    let total = if first_page && next.is_none() {
        rows.len() as i64
    } else {
        queue::total(&state.db, &parsed.filter, today, TOTAL_CAP + 1).await?
    };
    let stl_missing = crate::web::shine_the_light::queue_marks(&state, &rows).await?;
    let page = QueuePage {
        business: &state.settings.business.name,
        me: Some(Me::from(&staff)),
        params: &params,
        lines: rows
            .iter()
            .map(|r| Line {
                stl_record_missing: stl_missing.contains(&r.id),
                ..line(r, today)
            })
            .collect(),
        counts: counts(&state, today).await?,
        problems: parsed.problems,
        next,
        export: format!("/staff/requests.csv?{}", query_with(&params, None)),
        view: query_with(&params, None),
        total: if total > TOTAL_CAP {
            format!("More than {TOTAL_CAP} requests match")
        } else if total == 1 {
            "1 request matches".into()
        } else {
            format!("{total} requests match")
        },
        headings: headings(&params, &parsed.filter),
        views: console_store::views(&state.db, staff.id).await?,
        staff: crate::store::staff::all(&state.db)
            .await?
            .into_iter()
            .filter(|s| s.active)
            .collect(),
        my_id: staff.id.to_string(),
        kinds: RequestKind::ALL,
        statuses: RequestStatus::ALL,
        channels: Channel::ALL,
    };
    let mut response = html(StatusCode::OK, &page)?;
    crate::web::no_store(&mut response);
    Ok(response)
}

/// The tracking code of the request after request `id` in the queue view `params`: for
/// "next request in this view" on a request's page. The request itself need no longer
/// match the view (it may have just been closed): its place in the order is enough.
pub(crate) async fn next_after(
    state: &AppState,
    me: Uuid,
    params: &HashMap<String, String>,
    id: Uuid,
    due_on: Option<NaiveDate>,
    closed_at: Option<DateTime<Utc>>,
    today: NaiveDate,
) -> Result<Option<String>, AppError> {
    let parsed = parse(params, me);
    let rows = if parsed.filter.default_order() {
        let cursor = if parsed.filter.closed {
            closed_at.map(|at| Cursor::Closed(at, id))
        } else {
            Some(Cursor::Open(due_on, id))
        };
        queue::page(&state.db, &parsed.filter, today, cursor, 1).await?
    } else {
        queue::sorted_page(&state.db, &parsed.filter, today, Some(id), 1).await?
    };
    Ok(rows.into_iter().next().map(|r| r.tracking_code))
}

/// Whether this staff member's exports carry names and e-mail addresses: admins' do;
/// reviewers' do unless `[staff] reviewers_export_personal_data` is off.
pub fn exports_personal_data(state: &AppState, staff: &Staff) -> bool {
    staff.is_admin || state.settings.staff.reviewers_export_personal_data
}

/// The filtered list as CSV: the columns the screen shows. Names and e-mail addresses
/// only for roles allowed to export personal data; cells that a spreadsheet would run as
/// a formula are quoted as text.
pub async fn export_csv(
    State(state): State<AppState>,
    staff: Staff,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let today = state.clock.today(state.tz);
    let parsed = parse(&params, staff.id);
    let rows = queue::export(&state.db, &parsed.filter, today, EXPORT_CAP).await?;
    csv_response(&state, &staff, &rows, today).await
}

/// Rows as a CSV download, logged by count only. An export that carries names and
/// e-mail addresses goes on the trail of every request in it.
pub async fn csv_response(
    state: &AppState,
    staff: &Staff,
    rows: &[queue::Row],
    today: NaiveDate,
) -> Result<Response, AppError> {
    let personal = exports_personal_data(state, staff);
    if personal {
        // Rows of purged requests (no name, no address) show nothing of anyone.
        let ids: Vec<uuid::Uuid> = rows
            .iter()
            .filter(|r| r.full_name.is_some() || r.email.as_deref().is_some_and(|e| !e.is_empty()))
            .map(|r| r.id)
            .collect();
        crate::service::records::seen(
            &state.db,
            &ids,
            staff.id,
            crate::store::records::Viewed::ListExport,
            state.clock.now(),
        )
        .await?;
    }
    let mut out = String::from("tracking_code,kind,status,");
    if personal {
        out.push_str("name,email,");
    }
    out.push_str("channel,assignee,received,due,days_left,extended,verification\n");
    for row in rows {
        let l = line(row, today);
        let mut cells = vec![l.tracking_code.as_str(), l.kind, l.status];
        if personal {
            cells.push(row.full_name.as_deref().unwrap_or(""));
            cells.push(&l.email);
        }
        cells.extend([
            l.channel,
            &l.assignee,
            &l.received,
            &l.due,
            &l.days_left,
            if l.extended { "yes" } else { "no" },
            &l.verification,
        ]);
        let cells: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    tracing::info!(staff_id = %staff.id, rows = rows.len(), personal, "queue exported");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"requests.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        out,
    )
        .into_response())
}

fn csv_cell(value: &str) -> String {
    let guarded =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) && value.parse::<f64>().is_err() {
            format!("'{value}")
        } else {
            value.to_string()
        };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_cell("-5"), "-5");
    }

    #[test]
    fn cursors_round_trip() {
        let id = Uuid::new_v4();
        let row = queue::Row {
            id,
            tracking_code: "RD-2222-2222".into(),
            kind: RequestKind::Delete,
            status: RequestStatus::Verified,
            channel: crate::domain::kinds::Channel::Web,
            received_at: Utc::now(),
            due_on: Some("2027-01-07".parse().unwrap()),
            extended_respond_by: None,
            verification_level: "email".into(),
            assignee: None,
            closed_at: None,
            full_name: None,
            email: Some("ana@example.com".into()),
        };
        assert_eq!(
            parse_cursor(&cursor_after(&row, false)),
            Some(Cursor::Open(row.due_on, id))
        );
        assert_eq!(parse_cursor("o~garbage~x"), None);
    }
}
