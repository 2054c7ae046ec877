//! The analyst's console around the queue: the dashboard at `/staff`, bulk actions on
//! selected rows, saved views, response templates (admins keep them), the daily e-mail
//! preference, the keyboard shortcuts' script and their help page.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequest, Path, State};
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Duration;
use uuid::Uuid;

use super::login::Me;
use super::session::{Admin, Staff};
use crate::domain::console::{self, AGE_BUCKETS, Bar, PLACEHOLDERS, TemplateOutcome};
use crate::domain::intake::RawForm;
use crate::domain::kinds::{RequestKind, RequestStatus};
use crate::domain::tracking::TrackingCode;
use crate::service::console::{self as bulk, Bulk, RowResult};
use crate::store::console as store;
use crate::web::errors::AppError;
use crate::web::form::SubmittedForm;
use crate::web::{AppState, html};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff", get(dashboard))
        .route("/staff/requests/bulk", post(bulk_action))
        .route("/staff/views", post(save_view))
        .route("/staff/views/{id}/delete", post(delete_view))
        .route("/staff/templates", get(templates).post(add_template))
        .route("/staff/templates/{id}/delete", post(delete_template))
        .route("/staff/preferences", post(set_preferences))
        .route("/staff/help", get(help))
        .route("/static/console.js", get(script))
}

/// A form whose fields may repeat (the queue's row checkboxes), read whole: same-origin
/// only, as every staff form.
pub struct PairsForm(pub Vec<(String, String)>);

impl FromRequest<AppState> for PairsForm {
    type Rejection = AppError;

    async fn from_request(req: Request<Body>, state: &AppState) -> Result<Self, Self::Rejection> {
        crate::web::check_origin(req.headers(), state)?;
        let limit = state.settings.http.form_body_bytes;
        let bytes = axum::body::to_bytes(req.into_body(), limit)
            .await
            .map_err(|_| AppError::PayloadTooLarge("the form is too large".into()))?;
        let pairs = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| AppError::BadRequest("the form could not be read".into()))?;
        Ok(PairsForm(pairs))
    }
}

impl PairsForm {
    fn first(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn check_csrf(&self, staff: &Staff) -> Result<(), AppError> {
        staff.check_csrf(&RawForm::from_pairs([(
            "csrf".to_string(),
            self.first("csrf").to_string(),
        )]))
    }
}

#[derive(Template)]
#[template(path = "staff/bulk.html")]
struct BulkPage<'a> {
    business: &'a str,
    me: Option<Me>,
    action: &'static str,
    results: Vec<RowResult>,
    back: String,
}

/// Assign, unassign, close as unverified or export the selected rows. Each row is acted
/// on as from its own page, and reported: done, or why not.
pub async fn bulk_action(
    State(state): State<AppState>,
    staff: Staff,
    form: PairsForm,
) -> Result<Response, AppError> {
    form.check_csrf(&staff)?;
    let back = format!("/staff/requests?{}", form.first("view"));
    let mut codes = Vec::new();
    for raw in form.all("code") {
        let code = TrackingCode::parse(raw).ok_or_else(|| {
            AppError::BadRequest(format!("code: {raw:?} is not a tracking code").into())
        })?;
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    if codes.is_empty() {
        return Err(AppError::BadRequest(
            "code: select at least one request".into(),
        ));
    }
    if codes.len() > bulk::MAX_ROWS {
        return Err(AppError::BadRequest(
            format!("code: at most {} requests at once", bulk::MAX_ROWS).into(),
        ));
    }
    let (action, what) = match form.first("bulk_action") {
        "export" => {
            let codes: Vec<String> = codes.iter().map(ToString::to_string).collect();
            let rows = crate::store::queue::selected(&state.db, &codes).await?;
            let today = state.clock.today(state.tz);
            return super::queue::csv_response(&state, &staff, &rows, today).await;
        }
        "assign" => {
            let to: Uuid = form
                .first("assignee")
                .parse()
                .map_err(|_| AppError::BadRequest("assignee: choose a staff member".into()))?;
            let member = crate::store::staff::by_id(&state.db, to).await?;
            if !member.is_some_and(|m| m.active) {
                return Err(AppError::BadRequest(
                    "assignee: choose an active staff member".into(),
                ));
            }
            (Bulk::Assign(Some(to)), "Assign")
        }
        "assign_me" => (Bulk::Assign(Some(staff.id)), "Assign to me"),
        "unassign" => (Bulk::Assign(None), "Unassign"),
        "close_unverified" => (Bulk::CloseUnverified, "Close as unverified"),
        _ => {
            return Err(AppError::BadRequest(
                "bulk_action: choose assign, unassign, close_unverified or export".into(),
            ));
        }
    };
    let results = bulk::apply(
        &state.db,
        state.rules(),
        &state.settings,
        staff.id,
        &codes,
        action,
        state.clock.now(),
    )
    .await?;
    let mut response = html(
        StatusCode::OK,
        &BulkPage {
            business: &state.settings.business.name,
            me: Some(Me::from(&staff)),
            action: what,
            results,
            back,
        },
    )?;
    crate::web::no_store(&mut response);
    Ok(response)
}

/// Saves the queue's current filters under a name, for this staff member only.
pub async fn save_view(
    State(state): State<AppState>,
    staff: Staff,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    staff.check_csrf(&form)?;
    let name = form.get("name").trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::BadRequest(
            "name: give the view a name of up to 80 characters".into(),
        ));
    }
    let query = form.get("view").trim();
    // Only a query string the queue itself produced: it is put back behind `?`.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|_| AppError::BadRequest("view: not a queue query".into()))?;
    let params: HashMap<String, String> = pairs.into_iter().collect();
    let query = super::queue::query_with(&params, None);
    if query.len() > 2000 {
        return Err(AppError::BadRequest("view: too long".into()));
    }
    store::save_view(
        &state.db,
        staff.id,
        name,
        &query,
        form.is_yes("default"),
        state.clock.now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/staff/requests?{query}")).into_response())
}

pub async fn delete_view(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    staff.check_csrf(&form)?;
    if !store::delete_view(&state.db, staff.id, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/staff/requests?all=1").into_response())
}

/// A row of the per-assignee workload.
pub struct Workload {
    pub who: String,
    pub open: i64,
    pub overdue: i64,
}

#[derive(Template)]
#[template(path = "staff/dashboard.html")]
struct DashboardPage<'a> {
    business: &'a str,
    me: Option<Me>,
    by_status: Vec<(String, &'static str, i64)>,
    open: i64,
    due_this_week: i64,
    overdue: i64,
    workload: Vec<Workload>,
    closed_12m: i64,
    on_time: String,
    median_days: String,
    bars: Vec<Bar>,
    chart_width: i64,
    daily_email: bool,
    saved: bool,
}

impl DashboardPage<'_> {
    fn csrf(&self) -> &str {
        super::login::csrf_of(&self.me)
    }
}

#[derive(serde::Deserialize)]
pub struct DashboardQuery {
    saved: Option<String>,
}

/// `/staff`: where the work stands, at a glance.
pub async fn dashboard(
    State(state): State<AppState>,
    staff: Staff,
    axum::extract::Query(q): axum::extract::Query<DashboardQuery>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let today = state.clock.today(state.tz);
    let counts = crate::store::queue::open_counts(&state.db).await?;
    let o = store::overview(&state.db, today, now - Duration::days(365), now).await?;
    let labels: Vec<&'static str> = AGE_BUCKETS.iter().map(|(_, _, l)| *l).collect();
    let bars = console::bars(&labels, &o.ages);
    let page = DashboardPage {
        business: &state.settings.business.name,
        me: Some(Me::from(&staff)),
        open: counts.iter().map(|(_, n)| n).sum(),
        by_status: counts
            .iter()
            .map(|(code, n)| {
                let label = RequestStatus::parse(code).map_or("Unknown", console::status_label);
                (code.clone(), label, *n)
            })
            .collect(),
        due_this_week: o.deadlines.due_this_week,
        overdue: o.deadlines.overdue,
        workload: o
            .workload
            .into_iter()
            .map(|(who, open, overdue)| Workload {
                who: who.unwrap_or_else(|| "Unassigned".into()),
                open,
                overdue,
            })
            .collect(),
        closed_12m: o.closed_12m,
        on_time: if o.closed_12m == 0 {
            "—".into()
        } else {
            format!(
                "{:.1} %",
                o.on_time_12m as f64 * 100.0 / o.closed_12m as f64
            )
        },
        median_days: o
            .median_days_12m
            .map_or_else(|| "—".into(), |d| format!("{d:.1}")),
        chart_width: 20 + bars.len() as i64 * console::BAR_STEP,
        bars,
        daily_email: store::daily_email(&state.db, staff.id).await?,
        saved: q.saved.is_some(),
    };
    let mut response = html(StatusCode::OK, &page)?;
    crate::web::no_store(&mut response);
    Ok(response)
}

/// The daily e-mail of what is assigned to me and due soon: on or off.
pub async fn set_preferences(
    State(state): State<AppState>,
    staff: Staff,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    staff.check_csrf(&form)?;
    store::set_daily_email(&state.db, staff.id, form.is_yes("daily_email")).await?;
    Ok(Redirect::to("/staff?saved=1").into_response())
}

#[derive(Template)]
#[template(path = "staff/templates.html")]
struct TemplatesPage<'a> {
    business: &'a str,
    me: Option<Me>,
    templates: Vec<(store::Template, &'static str, &'static str)>,
    kinds: &'static [RequestKind],
    outcomes: &'static [TemplateOutcome],
    placeholders: &'static [(&'static str, &'static str)],
    error: Option<String>,
    name: String,
    body: String,
}

impl TemplatesPage<'_> {
    fn csrf(&self) -> &str {
        super::login::csrf_of(&self.me)
    }

    fn kind_label(&self, k: &RequestKind) -> &'static str {
        console::kind_label(*k)
    }
}

async fn templates_page(
    state: &AppState,
    admin: &Staff,
    status: StatusCode,
    error: Option<String>,
    form: Option<&RawForm>,
) -> Result<Response, AppError> {
    let templates = store::templates(&state.db)
        .await?
        .into_iter()
        .map(|t| {
            let kind = t
                .kind
                .as_deref()
                .and_then(|k| RequestKind::parse(k).ok())
                .map_or("Any kind", console::kind_label);
            let outcome = TemplateOutcome::parse(&t.outcome).map_or("Unknown", |o| o.label());
            (t, kind, outcome)
        })
        .collect();
    html(
        status,
        &TemplatesPage {
            business: &state.settings.business.name,
            me: Some(Me::from(admin)),
            templates,
            kinds: RequestKind::ALL,
            outcomes: TemplateOutcome::ALL,
            placeholders: PLACEHOLDERS,
            error,
            name: form.map(|f| f.get("name").to_string()).unwrap_or_default(),
            body: form.map(|f| f.get("body").to_string()).unwrap_or_default(),
        },
    )
}

/// Response templates: admins keep them here; staff pick them on a request's page.
pub async fn templates(
    State(state): State<AppState>,
    Admin(admin): Admin,
) -> Result<Response, AppError> {
    templates_page(&state, &admin, StatusCode::OK, None, None).await
}

pub async fn add_template(
    State(state): State<AppState>,
    Admin(admin): Admin,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    admin.check_csrf(&form)?;
    let refuse = |why: &str| {
        templates_page(
            &state,
            &admin,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(why.to_string()),
            Some(&form),
        )
    };
    let name = form.get("name").trim();
    let body = form.get("body").trim();
    if name.is_empty() || name.chars().count() > 120 {
        return refuse("Give the template a name of up to 120 characters.").await;
    }
    if body.is_empty() || body.chars().count() > crate::service::staff::TEXT_MAX {
        return refuse("Write the text, up to 5000 characters.").await;
    }
    let Some(outcome) = TemplateOutcome::parse(form.get("outcome")) else {
        return refuse("Choose the decision the text explains.").await;
    };
    let kind = match form.get("kind") {
        "" => None,
        k => match RequestKind::parse(k) {
            Ok(k) => Some(k.code()),
            Err(_) => return refuse("Choose a kind of request, or any kind.").await,
        },
    };
    let added = store::add_template(
        &state.db,
        name,
        kind,
        outcome.code(),
        body,
        admin.id,
        state.clock.now(),
    )
    .await?;
    if !added {
        return refuse("A template of that name exists already.").await;
    }
    Ok(Redirect::to("/staff/templates").into_response())
}

pub async fn delete_template(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<Uuid>,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    admin.check_csrf(&form)?;
    if !store::delete_template(&state.db, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/staff/templates").into_response())
}

#[derive(Template)]
#[template(path = "staff/help.html")]
struct HelpPage<'a> {
    business: &'a str,
    me: Option<Me>,
}

/// The keyboard shortcuts, listed.
pub async fn help(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    html(
        StatusCode::OK,
        &HelpPage {
            business: &state.settings.business.name,
            me: Some(Me::from(&staff)),
        },
    )
}

const CONSOLE_JS: &str = include_str!("../../../static/console.js");

/// The queue's keyboard shortcuts: a script of our own origin, as the CSP allows.
pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CONSOLE_JS,
    )
        .into_response()
}
