//! The staff queue: open requests by legal deadline (overdue first), filtered, paged by
//! keyset so a page deep in a million rows costs what the first one does.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::domain::console::SortKey;
use crate::domain::kinds::{Channel, RequestKind, RequestStatus};

/// What the queue is narrowed to. Every field is already checked.
#[derive(Debug, Clone)]
pub struct Filter {
    pub kind: Option<&'static str>,
    pub status: Option<&'static str>,
    pub channel: Option<&'static str>,
    pub overdue: bool,
    pub due_within_days: Option<u32>,
    pub unverified: bool,
    pub assigned_to: Option<Uuid>,
    pub unassigned: bool,
    pub closed: bool,
    pub tracking_code: Option<String>,
    pub email: Option<String>,
    /// Part of a name, an e-mail address or a tracking code (three characters or more).
    pub text: Option<String>,
    /// Due within the next seven days, not yet overdue.
    pub due_this_week: bool,
    /// Waiting on the consumer: their e-mail link, their declaration or their agent.
    pub waiting_on_consumer: bool,
    /// At least one downstream task neither completed nor cancelled. Tasks come with a
    /// decision, so these requests are closed ones.
    pub tasks_open: bool,
    /// The column to sort by; `Due` (the legal deadline) unless chosen.
    pub sort: SortKey,
    pub descending: bool,
}

/// Where the previous page ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// Open requests: the last row's deadline and id.
    Open(Option<NaiveDate>, Uuid),
    /// Closed requests: the last row's closing time and id.
    Closed(DateTime<Utc>, Uuid),
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Row {
    pub id: Uuid,
    pub tracking_code: String,
    #[sqlx(try_from = "String")]
    pub kind: RequestKind,
    #[sqlx(try_from = "String")]
    pub status: RequestStatus,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    pub due_on: Option<NaiveDate>,
    pub extended_respond_by: Option<NaiveDate>,
    pub verification_level: String,
    pub assignee: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub full_name: Option<String>,
    /// None for a request entered by staff without an address.
    pub email: Option<String>,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            kind: None,
            status: None,
            channel: None,
            overdue: false,
            due_within_days: None,
            unverified: false,
            assigned_to: None,
            unassigned: false,
            closed: false,
            tracking_code: None,
            email: None,
            text: None,
            due_this_week: false,
            waiting_on_consumer: false,
            tasks_open: false,
            sort: SortKey::Due,
            descending: false,
        }
    }
}

impl Filter {
    /// Sorted by legal deadline, soonest first (or for closed requests, latest closed
    /// first): the order the old cursor and its indexes serve.
    pub fn default_order(&self) -> bool {
        self.sort == SortKey::Due && !self.descending
    }
}

fn push_filter(q: &mut QueryBuilder<Postgres>, f: &Filter, today: NaiveDate) {
    if f.closed {
        q.push(" WHERE r.closed_at IS NOT NULL");
    } else {
        q.push(" WHERE r.closed_at IS NULL");
    }
    if let Some(kind) = f.kind {
        q.push(" AND r.kind = ").push_bind(kind);
    }
    if let Some(status) = f.status {
        q.push(" AND r.status = ").push_bind(status);
    }
    if let Some(channel) = f.channel {
        q.push(" AND r.channel = ").push_bind(channel);
    }
    if f.overdue {
        q.push(" AND r.due_on < ").push_bind(today);
    }
    if let Some(days) = f.due_within_days {
        q.push(" AND r.due_on <= ")
            .push_bind(today + chrono::Days::new(u64::from(days)));
    }
    if f.unverified {
        q.push(" AND r.status = 'awaiting_verification'");
    }
    if let Some(staff) = f.assigned_to {
        q.push(" AND r.assignee_id = ").push_bind(staff);
    }
    if f.unassigned {
        q.push(" AND r.assignee_id IS NULL");
    }
    if let Some(code) = &f.tracking_code {
        q.push(" AND r.tracking_code = ").push_bind(code.clone());
    }
    if let Some(email) = &f.email {
        q.push(" AND lower(r.email) = lower(")
            .push_bind(email.clone())
            .push(")");
    }
    if let Some(text) = &f.text {
        // The expression of `requests_open_search_idx`, so open requests are searched by
        // its trigrams; LIKE's wildcards in what was typed match only themselves. A whole
        // tracking code is looked up by `tracking_code` instead (the caller parses it).
        let pattern = format!(
            "%{}%",
            text.to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        q.push(" AND lower(coalesce(r.full_name, '') || ' ' || coalesce(r.email, '')) LIKE ")
            .push_bind(pattern);
    }
    if f.due_this_week {
        q.push(" AND r.due_on >= ")
            .push_bind(today)
            .push(" AND r.due_on < ")
            .push_bind(today + chrono::Days::new(7));
    }
    if f.waiting_on_consumer {
        q.push(" AND r.status = 'awaiting_verification'");
    }
    if f.tasks_open {
        // The condition of `tasks_open_idx`: open tasks are few, so the planner reads
        // them from that partial index instead of probing every closed request.
        q.push(
            " AND r.id IN (SELECT t.request_id FROM tasks t \
             WHERE t.completed_at IS NULL AND t.cancelled_at IS NULL)",
        );
    }
}

/// The SQL a sort key orders by, before the id: never NULL, so a row comparison pages
/// through it. A column of few values (kind, status, channel, assignee) lists each of
/// its groups by legal deadline, as the queue is listed unsorted.
fn sort_exprs(key: SortKey) -> &'static [&'static str] {
    match key {
        // Every request has a deadline (`requests_clock_matches_kind`), so `due_on` is
        // never NULL, and the queue's index serves this order both ways.
        SortKey::Due => &["r.due_on"],
        SortKey::TrackingCode => &["r.tracking_code"],
        SortKey::Kind => &["r.kind", "r.due_on"],
        SortKey::Status => &["r.status", "r.due_on"],
        SortKey::Name => &["lower(coalesce(r.full_name, ''))"],
        SortKey::Email => &["lower(r.email)"],
        SortKey::Channel => &["r.channel", "r.due_on"],
        SortKey::Assignee => &["lower(coalesce(s.email, ''))", "r.due_on"],
        SortKey::Received => &["r.received_at"],
    }
}

const ROW_SELECT: &str =
    "SELECT r.id, r.tracking_code, r.kind, r.status, r.channel, r.received_at, r.due_on,
        r.extended_respond_by, r.verification_level, s.email AS assignee, r.closed_at,
        r.full_name, r.email
    FROM requests r LEFT JOIN staff_users s ON s.id = r.assignee_id";

/// The keyset's comparison and the order's direction.
fn direction(f: &Filter) -> (&'static str, &'static str) {
    if f.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    }
}

/// One page sorted by a chosen column, after the row `after` in that order. The
/// tie-breaker is the id, so equal values page without gaps or repeats.
pub async fn sorted_page(
    pool: &PgPool,
    f: &Filter,
    today: NaiveDate,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Row>, sqlx::Error> {
    // A search finds few requests, sorted as they come; the whole open queue is read
    // group by group instead.
    let searched = f.text.is_some() || f.email.is_some() || f.tracking_code.is_some();
    if f.sort == SortKey::Assignee && !f.closed && !searched {
        return by_assignee(pool, f, today, after, limit).await;
    }
    let exprs = sort_exprs(f.sort).join(", ");
    let (cmp, dir) = direction(f);
    let mut q = QueryBuilder::new(ROW_SELECT);
    push_filter(&mut q, f, today);
    if let Some(id) = after {
        q.push(format_args!(
            " AND ({exprs}, r.id) {cmp} (SELECT {exprs}, r.id FROM requests r \
             LEFT JOIN staff_users s ON s.id = r.assignee_id WHERE r.id = "
        ))
        .push_bind(id)
        .push(")");
    }
    q.push(" ORDER BY ");
    for expr in sort_exprs(f.sort) {
        q.push(format_args!("{expr} {dir}, "));
    }
    q.push(format_args!("r.id {dir} LIMIT ")).push_bind(limit);
    q.build_query_as().fetch_all(pool).await
}

/// Open requests sorted by assignee: unassigned first, then each staff member's in the
/// order of their e-mail addresses (the other way round descending), each group by
/// deadline. The staff are few, so each group is its own walk of
/// `requests_open_assignee_idx` from where the page starts, instead of a sort of every
/// open request by the joined address.
async fn by_assignee(
    pool: &PgPool,
    f: &Filter,
    today: NaiveDate,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Row>, sqlx::Error> {
    // Filtered to one assignee (or to none), only that group can hold rows: walking the
    // others would read every one of their requests only to refuse it.
    let mut groups: Vec<Option<Uuid>> = match (f.assigned_to, f.unassigned) {
        (Some(staff), _) => vec![Some(staff)],
        (None, true) => vec![None],
        (None, false) => {
            let staff: Vec<Uuid> =
                sqlx::query_scalar("SELECT id FROM staff_users ORDER BY lower(email), id")
                    .fetch_all(pool)
                    .await?;
            std::iter::once(None)
                .chain(staff.into_iter().map(Some))
                .collect()
        }
    };
    if f.descending {
        groups.reverse();
    }
    let (cmp, dir) = direction(f);
    // Where the page starts: the group of the row `after`, after its deadline and id.
    let start = match after {
        None => None,
        Some(id) => sqlx::query_as::<_, (Option<Uuid>, NaiveDate)>(
            "SELECT assignee_id, due_on FROM requests WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await?
        .and_then(|(staff, due)| Some((groups.iter().position(|g| *g == staff)?, due, id))),
    };
    let first = start.map_or(0, |(group, _, _)| group);
    let mut rows = Vec::new();
    for (i, group) in groups.iter().enumerate().skip(first) {
        let left = limit - rows.len() as i64;
        if left <= 0 {
            break;
        }
        let mut q = QueryBuilder::new(ROW_SELECT);
        push_filter(&mut q, f, today);
        match group {
            None => q.push(" AND r.assignee_id IS NULL"),
            Some(staff) => q.push(" AND r.assignee_id = ").push_bind(*staff),
        };
        if let Some((_, due, id)) = start.filter(|(g, _, _)| *g == i) {
            q.push(format_args!(" AND (r.due_on, r.id) {cmp} ("))
                .push_bind(due)
                .push(", ")
                .push_bind(id)
                .push(")");
        }
        q.push(format_args!(" ORDER BY r.due_on {dir}, r.id {dir} LIMIT "))
            .push_bind(left);
        rows.extend(q.build_query_as::<Row>().fetch_all(pool).await?);
    }
    Ok(rows)
}

/// How many requests the filter selects, counted up to `cap` (beyond it the page says
/// "more than"): a count never walks a million rows.
pub async fn total(
    pool: &PgPool,
    f: &Filter,
    today: NaiveDate,
    cap: i64,
) -> Result<i64, sqlx::Error> {
    // No join: no filter reads the assignee's row, and with the join PostgreSQL reads
    // every counted request from the table instead of from an index on open requests
    // alone (0.5 ms against 20–100 ms at 1,000 matches among a million requests).
    let mut q = QueryBuilder::new("SELECT count(*) FROM (SELECT 1 FROM requests r");
    push_filter(&mut q, f, today);
    if let Some(order) = count_order(f) {
        q.push(format_args!(" ORDER BY {order}"));
    }
    q.push(" LIMIT ").push_bind(cap).push(") AS capped");
    q.build_query_scalar().fetch_one(pool).await
}

/// The order a count of open requests walks, by the index of the filter's assignee,
/// kind, status or channel. Unordered, PostgreSQL takes a sequential scan for a pair of
/// filters (kind and channel), expecting the matches spread over the table; open
/// requests are the newest, so the scan reads the closed ones first (8–100 ms, against
/// 2 ms walking the kind's index). A search or the tasks filter is left to the planner:
/// their own indexes find few rows.
fn count_order(f: &Filter) -> Option<&'static str> {
    if f.closed
        || f.text.is_some()
        || f.email.is_some()
        || f.tracking_code.is_some()
        || f.tasks_open
    {
        return None;
    }
    if f.assigned_to.is_some() || f.unassigned {
        Some("r.assignee_id, r.due_on, r.id")
    } else if f.kind.is_some() {
        Some("r.kind, r.due_on, r.id")
    } else if f.status.is_some() {
        Some("r.status, r.due_on, r.id")
    } else if f.channel.is_some() {
        Some("r.channel, r.due_on, r.id")
    } else {
        Some("r.due_on, r.id")
    }
}

/// The requests with these tracking codes that the filter selects, in the filter's
/// order: what a bulk export of selected rows carries.
pub async fn selected(pool: &PgPool, codes: &[String]) -> Result<Vec<Row>, sqlx::Error> {
    let mut q = QueryBuilder::new(ROW_SELECT);
    q.push(" WHERE r.tracking_code = ANY(")
        .push_bind(codes.to_vec())
        .push(") ORDER BY r.due_on ASC NULLS LAST, r.id ASC");
    q.build_query_as().fetch_all(pool).await
}

/// One page of `limit` rows after `cursor`.
pub async fn page(
    pool: &PgPool,
    f: &Filter,
    today: NaiveDate,
    cursor: Option<Cursor>,
    limit: i64,
) -> Result<Vec<Row>, sqlx::Error> {
    let mut q = QueryBuilder::new(ROW_SELECT);
    push_filter(&mut q, f, today);
    match cursor {
        Some(Cursor::Open(Some(due), id)) => {
            q.push(" AND (r.due_on, r.id) > (")
                .push_bind(due)
                .push(", ")
                .push_bind(id)
                .push(")");
        }
        Some(Cursor::Open(None, id)) => {
            q.push(" AND r.due_on IS NULL AND r.id > ").push_bind(id);
        }
        Some(Cursor::Closed(at, id)) => {
            q.push(" AND (r.closed_at, r.id) < (")
                .push_bind(at)
                .push(", ")
                .push_bind(id)
                .push(")");
        }
        None => {}
    }
    if f.closed {
        q.push(" ORDER BY r.closed_at DESC, r.id DESC");
    } else {
        q.push(" ORDER BY r.due_on ASC NULLS LAST, r.id ASC");
    }
    q.push(" LIMIT ").push_bind(limit);
    q.build_query_as().fetch_all(pool).await
}

/// Every row the filter selects, up to `cap`, for export, in the order shown.
pub async fn export(
    pool: &PgPool,
    f: &Filter,
    today: NaiveDate,
    cap: i64,
) -> Result<Vec<Row>, sqlx::Error> {
    if f.default_order() {
        page(pool, f, today, None, cap).await
    } else {
        sorted_page(pool, f, today, None, cap).await
    }
}

/// Open requests per status.
pub async fn open_counts(pool: &PgPool) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT status, count(*) FROM requests WHERE closed_at IS NULL GROUP BY status ORDER BY status")
        .fetch_all(pool)
        .await
}

/// Open requests by their deadline, as the dashboard, the queue and the metrics endpoint
/// all give them.
#[derive(Debug, Clone, Copy, Default, sqlx::FromRow)]
pub struct DeadlineCounts {
    /// Past their deadline.
    pub overdue: i64,
    /// Due in the seven days from today: the queue's "due this week".
    pub due_this_week: i64,
}

pub async fn deadline_counts(
    pool: &PgPool,
    today: NaiveDate,
) -> Result<DeadlineCounts, sqlx::Error> {
    sqlx::query_as(
        "SELECT count(*) FILTER (WHERE due_on < $1) AS overdue,
                count(*) FILTER (WHERE due_on >= $1 AND due_on < $1 + 7) AS due_this_week
         FROM requests WHERE closed_at IS NULL",
    )
    .bind(today)
    .fetch_one(pool)
    .await
}
