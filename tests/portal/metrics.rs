//! The yearly metrics (reg. §7102, ccpa-rules §8) over a year of requests filed through
//! the portal and answered through the staff console and the worker's sweeps: the CLI's
//! JSON and the staff page against a table worked out by hand.

use chrono::NaiveDate;
use rightsdesk::domain::kinds::RequestKind;
use rightsdesk::service::metrics;

use crate::intake::valid_fields;
use crate::support::{TestApp, spawn_app, spawn_app_with, status_of, tracking_code_in};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Files a request of `kind` with the standard form, from its own address; with the
/// browser's Global Privacy Control signal when `gpc`.
pub(crate) async fn file(app: &TestApp, kind: RequestKind, email: &str, gpc: bool) -> String {
    let fields: Vec<(&str, &str)> = valid_fields(kind)
        .into_iter()
        .map(|(k, v)| if k == "email" { (k, email) } else { (k, v) })
        .collect();
    let mut post = app
        .client
        .post(app.url(&format!("/requests/new/{kind}")))
        .form(&fields);
    if gpc {
        post = post.header("Sec-GPC", "1");
    }
    tracking_code_in(&post.send().await.unwrap().text().await.unwrap())
}

/// Moves the closing of every request of `kind` later by `interval`, behind the portal's
/// back: no path of the portal changes a closed request.
async fn close_later(app: &TestApp, interval: &str, kind: &str) {
    sqlx::query("UPDATE requests SET closed_at = closed_at + $1::interval WHERE kind = $2")
        .bind(interval)
        .bind(kind)
        .execute(&app.db)
        .await
        .unwrap();
}

/// The database URL of the test's own database, for the command line.
fn database_url(app: &TestApp) -> String {
    let options = app.db.connect_options();
    let host = options.get_socket().map_or_else(
        || options.get_host().to_string(),
        |socket| socket.display().to_string(),
    );
    format!(
        "postgres://{}@localhost:{}/{}?host={host}",
        options.get_username(),
        options.get_port(),
        options.get_database().unwrap(),
    )
}

/// `rightsdesk report metrics --year YEAR --format FORMAT`, as an operator runs it.
fn report(app: &TestApp, year: &str, format: &str) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rightsdesk"))
        .args(["report", "metrics", "--year", year, "--format", format])
        .env("RIGHTSDESK_DATABASE_URL", database_url(app))
        .env("RIGHTSDESK_LOG", "warn")
        .output()
        .expect("running rightsdesk");
    assert!(
        out.status.success(),
        "report metrics: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The cells of each body row of the page's metrics table, tags stripped.
fn table_rows(page: &str) -> Vec<Vec<String>> {
    let table = &page[page
        .find("<table class=\"metrics\">")
        .expect("a metrics table")..];
    let body = &table[table.find("<tbody>").unwrap()..table.find("</tbody>").unwrap()];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            row.split(['<'])
                .filter_map(|piece| piece.split_once('>').map(|(_, text)| text.trim()))
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

/// One row of the hand-computed table: received, complied, denied, denied by reason,
/// median and mean days.
struct Expected {
    row: &'static str,
    label: &'static str,
    received: u64,
    complied: u64,
    denied: u64,
    reasons: &'static [(&'static str, u64)],
    days: Option<(f64, f64)>,
}

#[tokio::test]
async fn a_years_metrics_match_a_table_worked_out_by_hand() {
    // Staff sign in again on each day they act, more often than a person would.
    let app = spawn_app_with(|s| s.staff.logins_per_minute = 1000).await;
    app.add_staff("privacy@example.com", "reviewer", "reviewer password 123")
        .await;
    // Staff sign in on the day they act: a session ends after an hour without use.
    let staff = async || {
        app.sign_in("privacy@example.com", "reviewer password 123")
            .await
    };
    let act = async |code: &str, action: &str, fields: &[(&str, &str)]| {
        let r = staff()
            .await
            .post(&format!("/staff/requests/{code}/{action}"), fields)
            .await;
        if r.status() != 303 {
            let body = r.text().await.unwrap();
            let notice = body
                .find("role=\"alert\"")
                .map_or("", |i| &body[i..i + 300]);
            panic!("{action} {code} refused: {notice}");
        }
        let after = r.headers()["location"].to_str().unwrap().to_owned();
        assert!(!after.contains("login"), "{action} {code}: {after}");
    };

    // Received in 2026, answered in 2027: it belongs to 2026's report.
    app.advance_to_noon_on(day("2026-12-20"));
    let last_years = file(&app, RequestKind::Delete, "d0@example.com", false).await;

    // January 4, 2027 (PST until March 14, so every day here is 24 hours).
    app.advance_to_noon_on(day("2027-01-04"));
    let know_categories = file(&app, RequestKind::KnowCategories, "k1@example.com", false).await;
    let know_specific = file(&app, RequestKind::KnowSpecific, "k2@example.com", false).await;
    // A form sent with the GPC signal also files an opt-out, applied by the next sweep.
    let denied_delete = file(&app, RequestKind::Delete, "d1@example.com", true).await;
    assert_eq!(app.worker.sweep().await.unwrap().opt_outs_applied, 1);

    app.advance_to_noon_on(day("2027-01-05"));
    let correction = file(&app, RequestKind::Correct, "c1@example.com", false).await;
    app.advance_to_noon_on(day("2027-01-06"));
    let opt_out = file(&app, RequestKind::OptOut, "o1@example.com", false).await;
    app.advance_to_noon_on(day("2027-01-07"));
    let limit = file(&app, RequestKind::LimitSensitive, "l1@example.com", false).await;

    app.advance_to_noon_on(day("2027-01-08"));
    act(&opt_out, "fulfil", &[]).await;
    act(
        &limit,
        "deny",
        &[
            ("reason", "suspected_fraud"),
            ("explanation", "Sent from a list of stolen addresses."),
        ],
    )
    .await;
    staff()
        .await
        .match_points(&last_years, &["name", "postal_address"])
        .await;
    act(&last_years, "fulfil", &[]).await;

    app.advance_to_noon_on(day("2027-01-14"));
    staff()
        .await
        .match_points(&know_categories, &["name", "postal_address"])
        .await;
    act(&know_categories, "fulfil", &[]).await;

    app.advance_to_noon_on(day("2027-01-20"));
    act(
        &know_specific,
        "extend",
        &[("reason", "Your records are spread over three systems.")],
    )
    .await;

    app.advance_to_noon_on(day("2027-02-03"));
    act(
        &denied_delete,
        "deny",
        &[
            ("reason", "legal_obligation"),
            ("explanation", "Tax law requires us to keep invoices."),
        ],
    )
    .await;

    // The correction's deadline is February 19; the sweep closes it the day after.
    app.advance_to_noon_on(day("2027-02-20"));
    assert_eq!(app.worker.sweep().await.unwrap().closed_unverified, 1);
    assert_eq!(status_of(&app, &correction).await, "closed_unverified");
    assert_eq!(
        status_of(&app, &know_specific).await,
        "awaiting_verification"
    );

    app.advance_to_noon_on(day("2027-02-25"));
    let open_delete = file(&app, RequestKind::Delete, "d2@example.com", false).await;

    app.advance_to_noon_on(day("2027-03-10"));
    staff()
        .await
        .match_points(&know_specific, &["name", "postal_address", "phone_number"])
        .await;
    // A copy in part: what was found, as a package (JSON).
    let staff_member = staff().await;
    let partial = staff_member
        .client
        .post(staff_member.url(&format!("/staff/requests/{know_specific}/partial")))
        .multipart(
            reqwest::multipart::Form::new()
                .text("csrf", staff_member.csrf.clone())
                .text(
                    "explanation",
                    "Records older than 2022 were already deleted.",
                )
                .part(
                    "package",
                    reqwest::multipart::Part::bytes(br#"{"orders": []}"#.to_vec())
                        .file_name("export.json"),
                ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(partial.status(), 303);
    assert_eq!(status_of(&app, &know_specific).await, "partially_fulfilled");
    assert_eq!(status_of(&app, &open_delete).await, "awaiting_verification");

    //  row              received complied denied (reason)            days
    //  know categories  1        1        0                          10
    //  know specific    1        1 part   0                          65 (extended)
    //  know (all)       2        2        0                          10, 65
    //  delete           2        0        1 legal_obligation, 1 open 30
    //  correct          1        0        1 identity_not_verified    46 (closed unverified)
    //  opt-out (all)    2        2        0                          0 (GPC), 2
    //  opt-out by GPC   1        1        0                          0
    //  limit            1        0        1 suspected_fraud          1
    let expected = [
        Expected {
            row: "know",
            label: "Requests to know (all)",
            received: 2,
            complied: 2,
            denied: 0,
            reasons: &[],
            days: Some((37.5, 37.5)),
        },
        Expected {
            row: "know_categories",
            label: "Requests to know categories",
            received: 1,
            complied: 1,
            denied: 0,
            reasons: &[],
            days: Some((10.0, 10.0)),
        },
        Expected {
            row: "know_specific",
            label: "Requests to know specific pieces",
            received: 1,
            complied: 1,
            denied: 0,
            reasons: &[],
            days: Some((65.0, 65.0)),
        },
        Expected {
            row: "delete",
            label: "Requests to delete",
            received: 2,
            complied: 0,
            denied: 1,
            reasons: &[("legal_obligation", 1)],
            days: Some((30.0, 30.0)),
        },
        Expected {
            row: "correct",
            label: "Requests to correct",
            received: 1,
            complied: 0,
            denied: 1,
            reasons: &[("identity_not_verified", 1)],
            days: Some((46.0, 46.0)),
        },
        Expected {
            row: "opt_out",
            label: "Requests to opt out of sale or sharing (all)",
            received: 2,
            complied: 2,
            denied: 0,
            reasons: &[],
            days: Some((1.0, 1.0)),
        },
        Expected {
            row: "opt_out_gpc",
            label: "Opt-outs by Global Privacy Control signal",
            received: 1,
            complied: 1,
            denied: 0,
            reasons: &[],
            days: Some((0.0, 0.0)),
        },
        Expected {
            row: "limit_sensitive",
            label: "Requests to limit use of sensitive personal information",
            received: 1,
            complied: 0,
            denied: 1,
            reasons: &[("suspected_fraud", 1)],
            days: Some((1.0, 1.0)),
        },
    ];

    let json: serde_json::Value = serde_json::from_str(&report(&app, "2027", "json")).unwrap();
    assert_eq!(json["year"], 2027);
    let close = |got: &serde_json::Value, want: f64, what: &str| {
        let got = got.as_f64().unwrap_or_else(|| panic!("{what}: {got}"));
        assert!((got - want).abs() < 0.01, "{what}: {got} days, not {want}");
    };
    for e in &expected {
        let row = &json["rows"][e.row];
        assert_eq!(row["received"], e.received, "{} received", e.row);
        assert_eq!(row["complied"], e.complied, "{} complied", e.row);
        assert_eq!(row["denied"], e.denied, "{} denied", e.row);
        let reasons: Vec<(&str, u64)> = row["denied_by_reason"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(c, n)| (c.as_str(), n.as_u64().unwrap()))
            .collect();
        assert_eq!(reasons, e.reasons, "{} reasons", e.row);
        let (median, mean) = e.days.unwrap();
        close(&row["median_days"], median, &format!("{} median", e.row));
        close(&row["mean_days"], mean, &format!("{} mean", e.row));
    }
    let text = report(&app, "2027", "text");
    assert!(text.contains("denied: Suspected fraud: 1"), "{text}");
    let html = report(&app, "2027", "html");
    assert_eq!(
        table_rows(&html)[3][..4],
        ["Requests to delete", "2", "0", "1"]
    );
    let last_year: serde_json::Value = serde_json::from_str(&report(&app, "2026", "json")).unwrap();
    assert_eq!(last_year["rows"]["delete"]["received"], 1);
    assert_eq!(last_year["rows"]["delete"]["complied"], 1);
    assert_eq!(last_year["rows"]["know"]["received"], 0);

    // The staff page shows the same figures, with the chart and the downloads.
    let staff = staff().await;
    let page = staff.get("/staff/metrics?year=2027").await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("<svg") && !page.contains("<script"));
    assert!(page.contains("href=\"/staff/metrics.csv?year=2027\""));
    assert!(page.contains("href=\"/staff/metrics.html?year=2027\""));
    // Denial columns: the reasons that occurred, in the reason list's order.
    let rows = table_rows(&page);
    assert_eq!(rows.len(), expected.len());
    for (cells, e) in rows.iter().zip(&expected) {
        let reason = |code: &str| {
            e.reasons
                .iter()
                .find(|(c, _)| *c == code)
                .map_or(0, |(_, n)| *n)
        };
        let (median, mean) = e.days.unwrap();
        let want: Vec<String> = vec![
            e.label.to_owned(),
            e.received.to_string(),
            e.complied.to_string(),
            e.denied.to_string(),
            reason("identity_not_verified").to_string(),
            reason("suspected_fraud").to_string(),
            reason("legal_obligation").to_string(),
            format!("{median:.1}"),
            format!("{mean:.1}"),
        ];
        assert_eq!(cells, &want, "the page's row for {}", e.row);
    }

    let csv = staff.get("/staff/metrics.csv?year=2027").await;
    assert_eq!(csv.status(), 200);
    let csv = csv.text().await.unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let delete: Vec<&str> = csv
        .lines()
        .find(|l| l.starts_with("2027,delete,"))
        .unwrap()
        .split(',')
        .collect();
    let column = |name: &str| delete[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(column("received"), "2");
    assert_eq!(column("denied_legal_obligation"), "1");
    assert_eq!(column("median_days"), "30.00");
}

#[tokio::test]
async fn the_public_metrics_page_exists_only_when_an_admin_turns_it_on() {
    let app = spawn_app().await;
    assert_eq!(app.get("/metrics/2026").await.status(), 404);
    let staff = app.admin().await;
    let page = staff
        .get("/staff/metrics?year=2026")
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("href=\"/metrics/2026\""));

    let app = spawn_app_with(|s| s.metrics.publish_yearly = true).await;
    file(&app, RequestKind::Delete, "ana@example.com", false).await;
    let year = app
        .clock
        .today(app.settings.timezone().unwrap())
        .format("%Y")
        .to_string();
    let public = app.get(&format!("/metrics/{year}")).await;
    assert_eq!(public.status(), 200);
    assert_eq!(
        public.headers()["cache-control"],
        "public, max-age=3600",
        "no personal data: caches may keep it an hour"
    );
    let rows = table_rows(&public.text().await.unwrap());
    assert_eq!(rows[3][..2], ["Requests to delete", "1"]);
    assert_eq!(app.get("/metrics/not-a-year").await.status(), 404);

    // The year is still running: its count is reused for five minutes, so visitors do
    // not make the database count the year each time.
    file(&app, RequestKind::Delete, "bea@example.com", false).await;
    let deletions = async || {
        let page = app.get(&format!("/metrics/{year}")).await;
        table_rows(&page.text().await.unwrap())[3][1].clone()
    };
    assert_eq!(deletions().await, "1", "the count of a minute ago");
    app.clock.advance(chrono::Duration::minutes(5));
    assert_eq!(deletions().await, "2", "counted again after five minutes");
}

#[tokio::test]
async fn a_finished_years_metrics_are_counted_once_and_kept() {
    let app = spawn_app().await;
    let tz = app.settings.timezone().unwrap();
    let kept = async || -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM metrics_years WHERE year = 2030")
            .fetch_one(&app.db)
            .await
            .unwrap()
    };
    let yearly = async || {
        let report = metrics::yearly(&app.db, tz, 2030, app.clock.now())
            .await
            .unwrap();
        metrics::json(&report)
    };
    let counted = async || metrics::json(&metrics::counted(&app.db, tz, 2030).await.unwrap());

    app.advance_to_noon_on(day("2030-12-02"));
    file(&app, RequestKind::OptOut, "o1@example.com", false).await;
    file(&app, RequestKind::Delete, "d1@example.com", false).await;
    assert_eq!(app.worker.sweep().await.unwrap().opt_outs_applied, 1);

    // Long past the year, but the deletion still waits for its consumer: not finished.
    app.advance_to_noon_on(day("2031-04-10"));
    assert_eq!(yearly().await["rows"]["delete"]["received"], 1);
    assert_eq!(kept().await, 0, "a request of the year is open");

    // Closed unverified at its deadline, but staff may still enter a request received on
    // December 31 until the end of March: not finished either.
    app.advance_to_noon_on(day("2031-03-20"));
    assert_eq!(app.worker.sweep().await.unwrap().closed_unverified, 1);
    let figures = yearly().await;
    assert_eq!(figures["rows"]["delete"]["denied"], 1);
    assert_eq!(figures["rows"]["opt_out"]["complied"], 1);
    assert_eq!(kept().await, 0, "still open to back-dated entries");

    // Past staff's 90 days of back-dating, and nothing open: the worker's daily run
    // counts the year and keeps it.
    app.advance_to_noon_on(day("2031-04-03"));
    app.worker.sweep().await.unwrap();
    assert_eq!(kept().await, 1);
    assert_eq!(yearly().await, figures);
    assert_eq!(counted().await, figures);

    // What is kept is what later reports read: a change behind the portal's back (no
    // path of the portal changes a closed request) shows in a count, not in the report.
    close_later(&app, "10 days", "delete").await;
    assert_ne!(counted().await, figures);
    assert_eq!(yearly().await, figures);
    let staff = app.admin().await;
    let page = staff
        .get("/staff/metrics?year=2030")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        table_rows(&page)[3][..4],
        ["Requests to delete", "1", "0", "1"],
        "the staff page reads the kept year"
    );
}

#[tokio::test]
async fn a_running_years_closed_requests_are_kept_added_up_and_later_closings_counted() {
    let app = spawn_app().await;
    let tz = app.settings.timezone().unwrap();
    let yearly = async || {
        let report = metrics::yearly(&app.db, tz, 2030, app.clock.now())
            .await
            .unwrap();
        metrics::json(&report)
    };
    let counted = async || metrics::json(&metrics::counted(&app.db, tz, 2030).await.unwrap());
    let kept_until = async || -> Option<chrono::DateTime<chrono::Utc>> {
        sqlx::query_scalar("SELECT closed_before FROM metrics_running WHERE year = 2030")
            .fetch_optional(&app.db)
            .await
            .unwrap()
    };
    // The test's clock runs on from where it is set: a second's leeway.
    let kept_an_hour_ago = async || {
        let until = kept_until().await.expect("a part is kept");
        let off = until - (app.clock.now() - chrono::Duration::hours(1));
        assert!(off.num_seconds().abs() <= 1, "kept until {until}");
    };

    app.advance_to_noon_on(day("2030-03-02"));
    file(&app, RequestKind::OptOut, "o1@example.com", false).await;
    file(&app, RequestKind::Delete, "d1@example.com", false).await;
    assert_eq!(app.worker.sweep().await.unwrap().opt_outs_applied, 1);

    // Three days on, the opt-out's closing is kept added up; the deletion is open.
    app.advance_to_noon_on(day("2030-03-05"));
    let figures = yearly().await;
    kept_an_hour_ago().await;
    assert_eq!(figures, counted().await);
    assert_eq!(figures["rows"]["opt_out"]["complied"], 1);
    assert_eq!(figures["rows"]["delete"]["received"], 1);
    assert_eq!(figures["rows"]["delete"]["denied"], 0);

    // What is kept is what the report reads: a change behind the portal's back to a kept
    // closing (no path of the portal changes a closed request) shows only in a count.
    close_later(&app, "1 day", "opt_out").await;
    assert_ne!(counted().await, figures);
    assert_eq!(yearly().await, figures);

    // A request filed and one closed since are counted from the requests; the kept part,
    // a day old by then, is brought up to an hour ago.
    app.advance_to_noon_on(day("2030-04-20"));
    file(&app, RequestKind::KnowSpecific, "k1@example.com", false).await;
    assert_eq!(app.worker.sweep().await.unwrap().closed_unverified, 1);
    let later = yearly().await;
    kept_an_hour_ago().await;
    assert_eq!(later["rows"]["delete"]["denied"], 1);
    assert_eq!(later["rows"]["know"]["received"], 1);
    assert_eq!(later["rows"]["opt_out"], figures["rows"]["opt_out"], "kept");
    // The closings kept an hour later are the same figures.
    app.clock.advance(chrono::Duration::days(2));
    assert_eq!(yearly().await, later);
    kept_an_hour_ago().await;

    // A clock set back before the kept part could close a request before it and never
    // count it: what was kept is dropped and the year counted again.
    app.advance_to_noon_on(day("2030-03-04"));
    assert_eq!(yearly().await, counted().await);
    assert_ne!(
        yearly().await["rows"]["opt_out"],
        figures["rows"]["opt_out"]
    );
    kept_an_hour_ago().await;
}

#[tokio::test]
async fn the_staff_metrics_need_a_signed_in_staff_member() {
    let app = spawn_app().await;
    for path in [
        "/staff/metrics",
        "/staff/metrics.csv?year=2026",
        "/staff/metrics.html?year=2026",
    ] {
        let r = app.get(path).await;
        assert!(r.status().is_redirection(), "{path}: {}", r.status());
    }
}
