//! The analyst's console: the queue's search, sorts and bulk actions, exports per role,
//! saved views, the request page's actions, response templates, the dashboard and the
//! daily e-mail; and the same in a real browser, with axe at phone and desktop widths.

use chrono::Duration;
use fantoccini::{Client, Locator};
use rightsdesk::domain::kinds::RequestKind;
use uuid::Uuid;

use crate::browser::{click, sign_in, start_browser, type_into, wait_for, wait_text};
use crate::intake::valid_fields;
use crate::support::{
    SmtpServer, StaffClient, TestApp, header, spawn_app, spawn_app_alerting_staff, spawn_app_with,
    status_of, text_part, tracking_code_in,
};

/// Files a deletion for `name` at `email`; returns its tracking code.
async fn file_for(app: &TestApp, name: &str, email: &str) -> String {
    let fields: Vec<(&str, &str)> = valid_fields(RequestKind::Delete)
        .into_iter()
        .map(|(k, v)| match k {
            "full_name" => (k, name),
            "email" => (k, email),
            _ => (k, v),
        })
        .collect();
    tracking_code_in(
        &app.post_form("/requests/new/delete", &fields)
            .await
            .text()
            .await
            .unwrap(),
    )
}

async fn text(staff: &StaffClient, path: &str) -> String {
    let response = staff.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}

async fn staff_id(app: &TestApp, email: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM staff_users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_queue_finds_part_of_a_name_sorts_by_any_column_and_shows_the_total() {
    let app = spawn_app().await;
    let ana = file_for(&app, "Ana López", "ana.lopez@example.com").await;
    let bea = file_for(&app, "Bea Ruiz", "bea@shop.example").await;
    let staff = app.admin().await;

    let found = text(&staff, "/staff/requests?q=ruiz").await;
    assert!(
        found.contains(&bea) && !found.contains(&ana),
        "part of a name"
    );
    assert!(found.contains("1 request matches"));
    let found = text(&staff, "/staff/requests?q=shop.exa").await;
    assert!(
        found.contains(&bea) && !found.contains(&ana),
        "part of an e-mail"
    );
    assert!(found.contains("Bea Ruiz") && found.contains("bea@shop.example"));
    // A tracking code is found whole, however it is typed; its trigrams are not indexed,
    // so a part of one finds nothing.
    let typed = ana.replace('-', "").to_lowercase();
    let found = text(&staff, &format!("/staff/requests?q={typed}")).await;
    assert!(
        found.contains(&ana) && found.contains("1 request matches"),
        "a whole tracking code"
    );
    let part = text(&staff, &format!("/staff/requests?q={}", &ana[3..7])).await;
    assert!(part.contains("0 requests match"), "part of a tracking code");
    // LIKE's wildcards match only themselves.
    assert!(
        text(&staff, "/staff/requests?q=%25%25%25")
            .await
            .contains("0 requests match")
    );

    let all = text(&staff, "/staff/requests?all=1").await;
    assert!(all.contains("2 requests match"));
    let by_name = text(&staff, "/staff/requests?sort=name").await;
    assert!(by_name.find(&ana).unwrap() < by_name.find(&bea).unwrap());
    assert!(by_name.contains("aria-sort=\"ascending\""));
    let by_name_desc = text(&staff, "/staff/requests?sort=name&dir=desc").await;
    assert!(by_name_desc.find(&bea).unwrap() < by_name_desc.find(&ana).unwrap());
    // One row per page: the second page, after the first row's id, holds the other.
    for key in [
        "code", "kind", "status", "email", "channel", "assignee", "received",
    ] {
        let page = text(&staff, &format!("/staff/requests?sort={key}")).await;
        assert!(
            page.contains(&ana) && page.contains(&bea),
            "sorted by {key}"
        );
    }
    let refused = text(&staff, "/staff/requests?sort=r.email%3B&q=ab").await;
    assert!(refused.contains("Unknown sort"));
    assert!(refused.contains("at least 3 characters"));
    let labels = text(&staff, "/staff/requests?kind=delete").await;
    assert!(labels.contains("Request to delete") && labels.contains("Awaiting verification"));
    assert!(labels.contains("Web form"));
}

#[tokio::test]
async fn bulk_actions_follow_the_single_action_rules_and_report_row_by_row() {
    let app = spawn_app().await;
    let first = file_for(&app, "Ana López", "ana.lopez@example.com").await;
    app.clock.advance(Duration::days(10));
    let second = file_for(&app, "Bea Ruiz", "bea@shop.example").await;
    let staff = app.admin().await;
    let admin = staff_id(&app, "admin@example.com").await;

    let forged = staff
        .client
        .post(staff.url("/staff/requests/bulk"))
        .form(&[("code", first.as_str()), ("bulk_action", "assign_me")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403, "no CSRF token, nothing done");

    // Before the deadline neither may be closed as unverified: both refused, each said so.
    let early = staff
        .post(
            "/staff/requests/bulk",
            &[
                ("code", &first),
                ("code", &second),
                ("bulk_action", "close_unverified"),
            ],
        )
        .await;
    assert_eq!(early.status(), 200);
    let early = early.text().await.unwrap();
    assert_eq!(early.matches("Not done").count(), 2, "{early}");
    assert!(early.contains("only from its response deadline"));
    assert_eq!(status_of(&app, &first).await, "awaiting_verification");

    // At the first one's deadline, only the first may be closed.
    let deadline: chrono::NaiveDate =
        sqlx::query_scalar("SELECT respond_by FROM requests WHERE tracking_code = $1")
            .bind(&first)
            .fetch_one(&app.db)
            .await
            .unwrap();
    app.advance_to_noon_on(deadline);
    // The session ended long ago: signed in again.
    let staff = app.sign_in("admin@example.com", "admin password 123").await;
    let closing = staff
        .post(
            "/staff/requests/bulk",
            &[
                ("code", &first),
                ("code", &second),
                ("bulk_action", "close_unverified"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        status_of(&app, &first).await,
        "closed_unverified",
        "{closing}"
    );
    assert_eq!(status_of(&app, &second).await, "awaiting_verification");
    assert_eq!(closing.matches("Not done").count(), 1, "{closing}");

    // Assigning: the closed one is refused, the open one assigned, with its audit event.
    let assigned = staff
        .post(
            "/staff/requests/bulk",
            &[
                ("code", &first),
                ("code", &second),
                ("bulk_action", "assign_me"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(assigned.contains("This request is closed."), "{assigned}");
    let assignee: Option<Uuid> =
        sqlx::query_scalar("SELECT assignee_id FROM requests WHERE tracking_code = $1")
            .bind(&second)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(assignee, Some(admin));
    let events: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM request_events e JOIN requests r ON r.id = e.request_id
         WHERE r.tracking_code = $1 AND e.action = 'assigned'",
    )
    .bind(&second)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(events, 1);

    let unassigned = staff
        .post(
            "/staff/requests/bulk",
            &[("code", &second), ("bulk_action", "unassign")],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(unassigned.contains("Unassigned"));
    let bad = staff
        .post(
            "/staff/requests/bulk",
            &[("code", "not a code"), ("bulk_action", "unassign")],
        )
        .await;
    assert_eq!(bad.status(), 400, "bad input is a 400, never a 500");
    let nobody = staff
        .post(
            "/staff/requests/bulk",
            &[
                ("code", &second),
                ("bulk_action", "assign"),
                ("assignee", &Uuid::new_v4().to_string()),
            ],
        )
        .await;
    assert_eq!(nobody.status(), 400);
}

#[tokio::test]
async fn exports_carry_names_and_addresses_only_for_roles_allowed_to_export_them() {
    let app = spawn_app_with(|s| s.staff.reviewers_export_personal_data = false).await;
    let code = file_for(&app, "Ana López", "ana.lopez@example.com").await;
    let admin = app.admin().await;
    app.add_staff("rev@example.com", "reviewer", "reviewer password")
        .await;
    let reviewer = app.sign_in("rev@example.com", "reviewer password").await;

    let full = text(&admin, "/staff/requests.csv").await;
    let header_line = full.lines().next().unwrap();
    assert!(header_line.starts_with("tracking_code,kind,status,name,email,channel,assignee"));
    assert!(full.contains("Ana López") && full.contains("ana.lopez@example.com"));
    assert!(
        full.contains("Request to delete"),
        "the labels the screen shows"
    );

    let plain = text(&reviewer, "/staff/requests.csv").await;
    assert!(!plain.lines().next().unwrap().contains("name"));
    assert!(plain.contains(&code));
    assert!(!plain.contains("ana.lopez@example.com") && !plain.contains("López"));

    // The selected rows' export follows the same rule.
    let selected = reviewer
        .post(
            "/staff/requests/bulk",
            &[("code", &code), ("bulk_action", "export")],
        )
        .await;
    assert_eq!(
        selected.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let selected = selected.text().await.unwrap();
    assert!(selected.contains(&code) && !selected.contains("ana.lopez@example.com"));
    let selected = admin
        .post(
            "/staff/requests/bulk",
            &[("code", &code), ("bulk_action", "export")],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(selected.contains("ana.lopez@example.com"));
}

#[tokio::test]
async fn a_saved_default_view_opens_the_queue_and_is_the_staff_members_own() {
    let app = spawn_app().await;
    let bea = file_for(&app, "Bea Ruiz", "bea@shop.example").await;
    let ana = file_for(&app, "Ana López", "ana.lopez@example.com").await;
    let staff = app.admin().await;
    app.add_staff("rev@example.com", "reviewer", "reviewer password")
        .await;
    let reviewer = app.sign_in("rev@example.com", "reviewer password").await;

    let saved = staff
        .post(
            "/staff/views",
            &[
                ("name", "Ruiz"),
                ("view", "q=ruiz&sort=name"),
                ("default", "yes"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let opened = staff.get("/staff/requests").await;
    assert_eq!(opened.status(), 303);
    let to = opened.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(to, "/staff/requests?q=ruiz&sort=name");
    let page = text(&staff, &to).await;
    assert!(page.contains(&bea) && !page.contains(&ana));
    assert!(page.contains("Ruiz</a> (default)"));
    assert!(
        text(&staff, "/staff/requests?all=1").await.contains(&ana),
        "Clear shows all"
    );

    // Another member's queue is theirs, and they cannot delete someone else's view.
    assert_eq!(reviewer.get("/staff/requests").await.status(), 200);
    let id: Uuid = sqlx::query_scalar("SELECT id FROM staff_views")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let theirs = reviewer
        .post(&format!("/staff/views/{id}/delete"), &[])
        .await;
    assert_eq!(theirs.status(), 404);
    let mine = staff.post(&format!("/staff/views/{id}/delete"), &[]).await;
    assert_eq!(mine.status(), 303);
    assert_eq!(staff.get("/staff/requests").await.status(), 200);
}

#[tokio::test]
async fn the_request_page_offers_what_the_rules_allow_and_confirms_a_denial() {
    let app = spawn_app().await;
    let first = file_for(&app, "Ana López", "ana.lopez@example.com").await;
    app.clock.advance(Duration::days(1));
    let second = file_for(&app, "Bea Ruiz", "bea@shop.example").await;
    let staff = app.admin().await;

    let page = text(&staff, &format!("/staff/requests/{first}?view=all%3D1")).await;
    assert!(page.contains("Awaiting verification") && page.contains("Web form"));
    assert!(
        page.contains("America/Los_Angeles"),
        "the time zone is named"
    );
    assert!(page.contains("Not now: Identity must be verified first."));
    assert!(page.contains("id=\"assign-me\""));
    assert!(
        page.contains(&format!("action=\"/staff/requests/{first}/confirm\"")),
        "deny asks for confirmation"
    );
    assert!(
        !page.contains(&format!("action=\"/staff/requests/{first}/deny\"")),
        "no direct deny from the page"
    );
    assert!(page.contains(&format!("href=\"/staff/requests/{second}?view=all%3D1\"")));
    assert!(
        page.contains("Request received by"),
        "events read as sentences"
    );

    let asked = staff
        .post(
            &format!("/staff/requests/{first}/confirm"),
            &[
                ("intent", "deny"),
                ("reason", "suspected_fraud"),
                ("explanation", "The request did not come from you."),
                ("view", "all=1"),
            ],
        )
        .await;
    assert_eq!(asked.status(), 200);
    let asked = asked.text().await.unwrap();
    assert!(asked.contains(&format!("action=\"/staff/requests/{first}/deny\"")));
    assert!(asked.contains("The request did not come from you."));
    assert_eq!(
        status_of(&app, &first).await,
        "awaiting_verification",
        "not yet"
    );
    let not_destructive = staff
        .post(
            &format!("/staff/requests/{first}/confirm"),
            &[("intent", "start")],
        )
        .await;
    assert_eq!(not_destructive.status(), 400);

    let denied = staff
        .post(
            &format!("/staff/requests/{first}/deny"),
            &[
                ("reason", "suspected_fraud"),
                ("explanation", "The request did not come from you."),
                ("view", "all=1"),
            ],
        )
        .await;
    assert_eq!(denied.status(), 303);
    let after = denied.headers()["location"].to_str().unwrap().to_string();
    assert!(after.contains("view=all%3D1"), "{after}");
    let page = text(&staff, &after).await;
    assert!(page.contains("Done: Denied."));
    assert!(
        page.contains(&format!("/staff/requests/{second}?view=all%3D1")),
        "next in view"
    );
    assert!(page.contains("Status: Awaiting verification → Denied"));
    assert!(
        page.contains("Reason:</dt> <dd>suspected_fraud"),
        "data as key: value"
    );
    assert!(
        !page.contains("id=\"action-"),
        "a closed request offers no action"
    );
}

#[tokio::test]
async fn admins_keep_response_templates_that_staff_pick_with_placeholders_filled() {
    let app = spawn_app().await;
    let code = file_for(&app, "Ana López", "ana.lopez@example.com").await;
    let admin = app.admin().await;
    app.add_staff("rev@example.com", "reviewer", "reviewer password")
        .await;
    let reviewer = app.sign_in("rev@example.com", "reviewer password").await;

    let body =
        "Dear {consumer_name}, we withdrew {tracking_code} as you asked. Deadline was {deadline}.";
    let added = admin
        .post(
            "/staff/templates",
            &[
                ("name", "Withdrawn on request"),
                ("outcome", "withdraw"),
                ("kind", "delete"),
                ("body", body),
            ],
        )
        .await;
    assert_eq!(added.status(), 303);
    let twice = admin
        .post(
            "/staff/templates",
            &[
                ("name", "Withdrawn on request"),
                ("outcome", "withdraw"),
                ("body", "x"),
            ],
        )
        .await;
    assert_eq!(twice.status(), 422);
    let bad = admin
        .post(
            "/staff/templates",
            &[("name", "Odd"), ("outcome", "explode"), ("body", "x")],
        )
        .await;
    assert_eq!(bad.status(), 422);
    assert_eq!(reviewer.get("/staff/templates").await.status(), 403);
    let forged = reviewer
        .post(
            "/staff/templates",
            &[("name", "Mine"), ("outcome", "deny"), ("body", "x")],
        )
        .await;
    assert_eq!(forged.status(), 403);

    let id: Uuid = sqlx::query_scalar("SELECT id FROM response_templates")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let page = text(&reviewer, &format!("/staff/requests/{code}")).await;
    assert!(
        page.contains("Withdrawn on request"),
        "offered on the request page"
    );
    let deadline: chrono::NaiveDate =
        sqlx::query_scalar("SELECT respond_by FROM requests WHERE tracking_code = $1")
            .bind(&code)
            .fetch_one(&app.db)
            .await
            .unwrap();
    let picked = text(&reviewer, &format!("/staff/requests/{code}?template={id}")).await;
    assert!(
        picked.contains(&format!(
            "Dear Ana López, we withdrew {code} as you asked. Deadline was {deadline}.</textarea>"
        )),
        "{picked}"
    );
}

#[tokio::test]
async fn the_dashboard_shows_where_the_work_stands_with_an_svg_ageing_chart() {
    let app = spawn_app().await;
    file_for(&app, "Ana López", "ana.lopez@example.com").await;
    app.clock.advance(Duration::days(50));
    let recent = file_for(&app, "Bea Ruiz", "bea@shop.example").await;
    let staff = app.admin().await;
    staff
        .post(
            &format!("/staff/requests/{recent}/withdraw"),
            &[("explanation", "asked by phone")],
        )
        .await;
    let page = text(&staff, "/staff").await;
    assert!(
        page.contains("<strong id=\"open-total\">1</strong>"),
        "{page}"
    );
    assert!(page.contains("<strong id=\"overdue\">1</strong>"));
    assert!(page.contains("<svg") && page.contains("46–90 days 1"));
    assert!(page.contains("Unassigned"), "workload per assignee");
    assert!(!page.contains("<script"), "no script needed");
}

#[tokio::test]
async fn a_staff_member_who_chose_it_gets_a_daily_email_of_what_is_assigned_and_due() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_alerting_staff(&smtp, 0).await;
    let code = file_for(&app, "Ana López", "ana.lopez@example.com").await;
    let other = file_for(&app, "Bea Ruiz", "bea@shop.example").await;
    let staff = app.admin().await;
    let admin = staff_id(&app, "admin@example.com").await;
    staff
        .post(
            &format!("/staff/requests/{code}/assign"),
            &[("assignee", &admin.to_string())],
        )
        .await;
    assert_eq!(
        app.worker.sweep().await.unwrap().daily_emails,
        0,
        "not chosen"
    );
    let chosen = staff
        .post("/staff/preferences", &[("daily_email", "yes")])
        .await;
    assert_eq!(chosen.status(), 303);
    app.clock.advance(Duration::days(40));
    assert_eq!(app.worker.sweep().await.unwrap().daily_emails, 1);
    assert_eq!(
        app.worker.sweep().await.unwrap().daily_emails,
        0,
        "once a day"
    );

    app.worker.deliver_all().await.unwrap();
    let mail = smtp.wait_for(4).await;
    let mine: Vec<_> = mail
        .iter()
        .filter(|m| {
            header(m, "Subject")
                .unwrap()
                .contains("Your privacy requests due soon")
        })
        .collect();
    assert_eq!(mine.len(), 1);
    assert!(header(mine[0], "To").unwrap().contains("admin@example.com"));
    let body = text_part(mine[0]);
    assert!(
        body.contains(&code) && !body.contains(&other),
        "only what is assigned to me"
    );
    assert!(
        !body.contains("ana.lopez@example.com"),
        "no consumer's personal data"
    );
}

// ---- In a real browser ----------------------------------------------------------------

/// The page is no wider than the window at a phone's width and at 1366 px, and axe finds
/// nothing at either.
pub(crate) async fn check_page(browser: &Client, what: &str) {
    for (width, height) in [(390, 844), (1366, 900)] {
        browser.set_window_size(width, height).await.unwrap();
        let widths = browser
            .execute(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
                vec![],
            )
            .await
            .unwrap();
        let (scroll, client) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
        assert!(
            scroll <= client,
            "{what} at {width} px: {scroll} px wide in a {client} px window"
        );
    }
    crate::axe::assert_accessible(browser, what).await;
}

#[tokio::test]
async fn an_analyst_searches_sorts_saves_a_view_assigns_in_bulk_and_denies_in_a_browser() {
    let app = spawn_app().await;
    let ana = file_for(&app, "Ana López", "ana.lopez@example.com").await;
    app.clock.advance(Duration::days(1));
    let bea = file_for(&app, "Bea Ruiz", "bea@shop.example").await;
    app.clock.advance(Duration::days(1));
    let carl = file_for(&app, "Carl Ng", "carl.ng@mail.example").await;
    app.add_staff("rev@example.com", "reviewer", "reviewer password")
        .await;
    let (_driver, browser) = start_browser().await;
    sign_in(&browser, &app, "rev@example.com", "reviewer password").await;
    wait_for(&browser, Locator::Css("table.queue")).await;

    browser.goto(&app.url("/staff")).await.unwrap();
    check_page(&browser, "the dashboard").await;
    browser.goto(&app.url("/staff/help")).await.unwrap();
    check_page(&browser, "the shortcuts").await;
    browser.goto(&app.url("/staff/requests")).await.unwrap();
    check_page(&browser, "the queue").await;

    // Search by part of a name.
    type_into(&browser, "q", "ruiz").await;
    click(&browser, Locator::Css("form.filters button[type=submit]")).await;
    let total = wait_text(&browser, Locator::Id("total"), "1 request matches").await;
    assert_eq!(total, "1 request matches");
    let rows = browser
        .find_all(Locator::Css("table.queue tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].text().await.unwrap().contains(&bea));

    // Save it as the default view: the queue opens on it.
    type_into(&browser, "view-name", "Ruiz").await;
    click(&browser, Locator::Id("view-default")).await;
    click(&browser, Locator::Css("form.save-view button")).await;
    wait_text(&browser, Locator::Id("saved-views"), "Ruiz").await;
    browser.goto(&app.url("/staff/requests")).await.unwrap();
    let url = browser.current_url().await.unwrap();
    assert_eq!(url.query(), Some("q=ruiz"), "the default view opened");

    // Sort by name, then the other way.
    browser
        .goto(&app.url("/staff/requests?all=1"))
        .await
        .unwrap();
    click(&browser, Locator::LinkText("Name")).await;
    wait_text(&browser, Locator::Css("th[aria-sort]"), "Name").await;
    let first = browser
        .find(Locator::Css("table.queue tbody tr"))
        .await
        .unwrap();
    assert!(first.text().await.unwrap().contains(&ana));
    click(&browser, Locator::Css("th[aria-sort] a")).await;
    wait_text(&browser, Locator::Css("th[aria-sort]"), "▼").await;
    let first = browser
        .find(Locator::Css("table.queue tbody tr"))
        .await
        .unwrap();
    assert!(first.text().await.unwrap().contains(&carl));

    // Assign two in bulk: each row reported.
    click(&browser, Locator::Id(&format!("pick-{ana}"))).await;
    click(&browser, Locator::Id(&format!("pick-{carl}"))).await;
    click(&browser, Locator::Id("bulk-apply")).await;
    let results = wait_text(&browser, Locator::Id("bulk-results"), "Done").await;
    assert!(
        results.contains(&ana) && results.contains(&carl),
        "{results}"
    );
    assert_eq!(results.matches("Assigned").count(), 2, "{results}");
    check_page(&browser, "the bulk results").await;
    let mine: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM requests r JOIN staff_users s ON s.id = r.assignee_id WHERE s.email = 'rev@example.com'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(mine, 2);

    // A denial, confirmed on its own page.
    browser
        .goto(&app.url(&format!("/staff/requests/{ana}?view=all%3D1")))
        .await
        .unwrap();
    check_page(&browser, "the request page").await;
    browser.set_window_size(1366, 900).await.unwrap();
    browser
        .find(Locator::Id("a-why"))
        .await
        .unwrap()
        .select_by_value("suspected_fraud")
        .await
        .unwrap();
    type_into(&browser, "a-expl", "The request did not come from you.").await;
    click(&browser, Locator::Css("#action-deny button[type=submit]")).await;
    wait_text(&browser, Locator::Css("h1"), "Deny").await;
    check_page(&browser, "the confirmation").await;
    click(&browser, Locator::Id("confirm")).await;
    let status = wait_text(&browser, Locator::Id("status"), "Denied").await;
    assert!(status.starts_with("Denied"), "{status}");
    let next = browser.find(Locator::Id("next-in-view")).await.unwrap();
    let href = next.attr("href").await.unwrap().unwrap();
    assert!(
        href.contains(&bea),
        "the next by deadline in the view: {href}"
    );
    browser.close().await.unwrap();
    assert_eq!(status_of(&app, &ana).await, "denied");
}

#[tokio::test]
async fn assigning_to_someone_who_is_no_active_staff_member_is_refused_with_a_message() {
    let app = spawn_app().await;
    let code = file_for(&app, "Ana López", "ana.lopez@example.com").await;
    let staff = app.admin().await;
    app.add_staff("gone@example.com", "reviewer", "reviewer password")
        .await;
    let gone = staff_id(&app, "gone@example.com").await;
    let deactivated = staff
        .post(
            &format!("/staff/users/{gone}/deactivate"),
            &[("confirmed", "yes")],
        )
        .await;
    assert!(deactivated.status().is_success() || deactivated.status().is_redirection());
    let active: bool = sqlx::query_scalar("SELECT active FROM staff_users WHERE id = $1")
        .bind(gone)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(!active);
    let assignee = || async {
        sqlx::query_scalar::<_, Option<Uuid>>(
            "SELECT assignee_id FROM requests WHERE tracking_code = $1",
        )
        .bind(&code)
        .fetch_one(&app.db)
        .await
        .unwrap()
    };

    // From the request's page: no such member, then a deactivated one.
    for id in [Uuid::new_v4(), gone] {
        let refused = staff
            .post(
                &format!("/staff/requests/{code}/assign"),
                &[("assignee", &id.to_string())],
            )
            .await;
        assert_eq!(refused.status(), 422, "a message, never a 500");
        let page = refused.text().await.unwrap();
        assert!(page.contains("Choose an active staff member"), "{page}");
        assert_eq!(assignee().await, None);
    }

    // In bulk: refused before any row is touched, naming the field.
    for id in [Uuid::new_v4(), gone] {
        let refused = staff
            .post(
                "/staff/requests/bulk",
                &[
                    ("code", &code),
                    ("bulk_action", "assign"),
                    ("assignee", &id.to_string()),
                ],
            )
            .await;
        assert_eq!(refused.status(), 400);
        assert!(
            refused
                .text()
                .await
                .unwrap()
                .contains("assignee: choose an active staff member")
        );
        assert_eq!(assignee().await, None);
    }

    // An active member is assigned as before.
    let admin = staff_id(&app, "admin@example.com").await;
    let assigned = staff
        .post(
            &format!("/staff/requests/{code}/assign"),
            &[("assignee", &admin.to_string())],
        )
        .await;
    assert_eq!(assigned.status(), 303);
    assert_eq!(assignee().await, Some(admin));
}

#[tokio::test]
async fn deactivating_a_member_asks_first_and_without_the_confirmation_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.add_staff("rev@example.com", "reviewer", "reviewer password")
        .await;
    let member = app.sign_in("rev@example.com", "reviewer password").await;
    let id = staff_id(&app, "rev@example.com").await;
    let active = || async {
        sqlx::query_scalar::<_, bool>("SELECT active FROM staff_users WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap()
    };

    let list = text(&admin, "/staff/users").await;
    assert!(
        list.contains(
            "class=\"danger\">Deactivate<span class=\"visually-hidden\"> rev@example.com</span>…"
        ),
        "looks destructive and leads to a confirmation: {list}"
    );

    // The first step only asks: the member is still active and still signed in.
    let asked = admin
        .post(&format!("/staff/users/{id}/deactivate"), &[])
        .await;
    assert_eq!(asked.status(), 200);
    let asked = asked.text().await.unwrap();
    assert!(asked.contains("Deactivate rev@example.com?"));
    assert!(asked.contains("name=\"confirmed\" value=\"yes\""));
    assert!(asked.contains("Back to the staff list without doing anything"));
    assert!(active().await);
    assert_eq!(member.get("/staff/requests").await.status(), 200);
    // Anything but the confirmation's own value is no confirmation.
    admin
        .post(
            &format!("/staff/users/{id}/deactivate"),
            &[("confirmed", "no")],
        )
        .await;
    assert!(active().await);

    // A confirmation without the CSRF token is refused.
    let forged = admin
        .client
        .post(admin.url(&format!("/staff/users/{id}/deactivate")))
        .form(&[("confirmed", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert!(active().await);

    let confirmed = admin
        .post(
            &format!("/staff/users/{id}/deactivate"),
            &[("confirmed", "yes")],
        )
        .await;
    assert_eq!(confirmed.status(), 200);
    assert!(
        confirmed
            .text()
            .await
            .unwrap()
            .contains("Account deactivated")
    );
    assert!(!active().await);
    assert_eq!(member.get("/staff/requests").await.status(), 303);
}

#[tokio::test]
async fn an_admin_confirms_a_deactivation_on_its_own_page_in_a_browser() {
    let app = spawn_app().await;
    app.admin().await;
    app.add_staff("rev@example.com", "reviewer", "reviewer password")
        .await;
    let id = staff_id(&app, "rev@example.com").await;
    let (_driver, browser) = start_browser().await;
    sign_in(&browser, &app, "admin@example.com", "admin password 123").await;
    browser.goto(&app.url("/staff/users")).await.unwrap();
    check_page(&browser, "the staff list").await;
    browser.set_window_size(1366, 900).await.unwrap();
    click(
        &browser,
        Locator::Css(&format!(
            "form[action=\"/staff/users/{id}/deactivate\"] button"
        )),
    )
    .await;
    wait_text(&browser, Locator::Css("h1"), "Deactivate rev@example.com?").await;
    check_page(&browser, "the deactivation's confirmation").await;
    let active: bool = sqlx::query_scalar("SELECT active FROM staff_users WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(active, "asking changed nothing");
    browser.set_window_size(1366, 900).await.unwrap();
    click(&browser, Locator::Id("confirm")).await;
    wait_text(&browser, Locator::Css("p.notice"), "Account deactivated").await;
    let active: bool = sqlx::query_scalar("SELECT active FROM staff_users WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(!active);
}

#[tokio::test]
async fn sorted_by_kind_each_kind_is_listed_by_deadline_and_pages_without_repeats() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    // Three deletions received on three days, the latest first, and a request to know.
    let mut deletions = Vec::new();
    for days_back in [0, 4, 8] {
        app.clock.advance(Duration::days(-days_back));
        deletions.push(file_for(&app, "Ana López", &format!("ana{days_back}@example.com")).await);
        app.clock.advance(Duration::days(days_back));
    }
    deletions.reverse(); // soonest deadline first
    let know =
        crate::metrics::file(&app, RequestKind::KnowCategories, "kim@example.com", false).await;
    let order = |page: &str, codes: &[&String]| {
        let at: Vec<usize> = codes
            .iter()
            .map(|c| page.find(c.as_str()).unwrap())
            .collect();
        at.windows(2).all(|w| w[0] < w[1])
    };
    let [first, second, third] = [&deletions[0], &deletions[1], &deletions[2]];

    let by_kind = text(&staff, "/staff/requests?sort=kind").await;
    assert!(
        order(&by_kind, &[first, second, third, &know]),
        "deletions by deadline, then the request to know"
    );
    let by_kind_desc = text(&staff, "/staff/requests?sort=kind&dir=desc").await;
    assert!(order(&by_kind_desc, &[&know, third, second, first]));

    // The next page starts after a row, within its kind and deadline.
    let id = |code: &String| {
        sqlx::query_scalar::<_, Uuid>("SELECT id FROM requests WHERE tracking_code = $1")
            .bind(code.clone())
            .fetch_one(&app.db)
    };
    let page_after = async |sort: &str, code: &String| {
        let id = id(code).await.unwrap();
        text(&staff, &format!("/staff/requests?sort={sort}&after={id}")).await
    };
    let after_second = page_after("kind", second).await;
    assert!(!after_second.contains(first.as_str()) && !after_second.contains(second.as_str()));
    assert!(order(&after_second, &[third, &know]));
    let by_channel = text(&staff, "/staff/requests?sort=channel").await;
    assert!(
        order(&by_channel, &[first, second, third]),
        "one channel: by deadline"
    );
    let by_status = text(&staff, "/staff/requests?sort=status&dir=desc").await;
    assert!(order(&by_status, &[third, second, first]));

    // By assignee: unassigned first, then staff by address, each by deadline.
    app.add_staff("zoe@example.com", "reviewer", "reviewer password 123")
        .await;
    app.add_staff("bob@example.com", "reviewer", "reviewer password 123")
        .await;
    let assign = async |code: &String, to: &str| {
        let to = staff_id(&app, to).await.to_string();
        let r = staff
            .post(
                "/staff/requests/bulk",
                &[
                    ("code", code.as_str()),
                    ("bulk_action", "assign"),
                    ("assignee", &to),
                ],
            )
            .await;
        assert_eq!(r.status(), 200);
    };
    assign(first, "zoe@example.com").await;
    assign(second, "bob@example.com").await;
    assign(&know, "bob@example.com").await;
    let by_assignee = text(&staff, "/staff/requests?sort=assignee").await;
    assert!(
        order(&by_assignee, &[third, second, &know, first]),
        "unassigned, bob's by deadline, zoe's"
    );
    let by_assignee_desc = text(&staff, "/staff/requests?sort=assignee&dir=desc").await;
    assert!(order(&by_assignee_desc, &[first, &know, second, third]));
    let after_bobs_first = page_after("assignee", second).await;
    assert!(
        !after_bobs_first.contains(second.as_str()) && !after_bobs_first.contains(third.as_str())
    );
    assert!(
        order(&after_bobs_first, &[&know, first]),
        "within bob's, then on to zoe's"
    );
    let filtered = text(&staff, "/staff/requests?sort=assignee&kind=know_categories").await;
    assert!(filtered.contains(know.as_str()) && !filtered.contains(second.as_str()));
    let unassigned = text(&staff, "/staff/requests?sort=assignee&assigned=none").await;
    assert!(unassigned.contains(third.as_str()) && !unassigned.contains(second.as_str()));
    assign(&know, "admin@example.com").await;
    let mine = text(&staff, "/staff/requests?sort=assignee&assigned=me&dir=desc").await;
    assert!(mine.contains(know.as_str()) && !mine.contains(third.as_str()));
    assert!(mine.contains("1 request matches"));
}
