//! Retention and accountability (reg. §7101, ccpa-rules §8): verification material and
//! packages go on their own clocks, a request past retention keeps only its anonymous
//! record (and the year's metrics do not move), delivered mail keeps no body, staff
//! export a request's full record, and who opened a consumer's data is on its trail.

use chrono::{Datelike, Duration, Months};
use rightsdesk::domain::kinds::RequestKind;
use uuid::Uuid;

use crate::agents::{PDF, agent_form};
use crate::downloads::fulfilled_copy;
use crate::support::{
    StaffClient, TempDir, TestApp, rightsdesk, spawn_app, spawn_app_with, tracking_code_in,
};
use crate::tasks::add_recipient;

async fn id_of(app: &TestApp, code: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM requests WHERE tracking_code = $1")
        .bind(code)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn code_of(app: &TestApp, id: Uuid) -> String {
    sqlx::query_scalar("SELECT tracking_code FROM requests WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// Rows of `table` belonging to the requests `ids` whose text holds `needle`.
async fn rows_holding(app: &TestApp, table: &str, ids: &[Uuid], needle: &str) -> i64 {
    let column = if table == "requests" {
        "id"
    } else {
        "request_id"
    };
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM {table} t WHERE t.{column} = ANY($1) AND t::text ILIKE '%' || $2 || '%'"
    )))
    .bind(ids)
    .bind(needle)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// A digest of everything the purge may touch, to show that a dry run changes nothing.
async fn fingerprint(app: &TestApp) -> String {
    let mut all = String::new();
    for table in [
        "requests",
        "attachments",
        "verification_tokens",
        "download_links",
        "outbox",
        "request_events",
        "opt_outs",
        "unsolicited_mail",
        "tasks",
        "task_deliveries",
    ] {
        let digest: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {table} t"
        )))
        .fetch_one(&app.db)
        .await
        .unwrap();
        all.push_str(&digest.unwrap_or_default());
    }
    all
}

/// The year's metrics counted from the requests, never from a kept finished year.
async fn metrics_json(app: &TestApp, year: i32) -> serde_json::Value {
    let tz = app.settings.timezone().unwrap();
    let report = rightsdesk::service::metrics::counted(&app.db, tz, year)
        .await
        .unwrap();
    rightsdesk::service::metrics::json(&report)
}

async fn message_files(app: &TestApp, request: Uuid) -> Vec<std::path::PathBuf> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM outbox WHERE request_id = $1")
        .bind(request)
        .fetch_all(&app.db)
        .await
        .unwrap();
    ids.iter()
        .map(|id| {
            app.settings
                .data_dir
                .join("outbox")
                .join(format!("{id:010}.eml"))
        })
        .collect()
}

/// The `.eml` files the file transport wrote for the request's task notices (named by
/// the delivery's id, negated).
async fn task_message_files(app: &TestApp, request: Uuid) -> Vec<std::path::PathBuf> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT d.id FROM task_deliveries d JOIN recipients c ON c.id = d.recipient_id
         WHERE d.request_id = $1 AND c.channel = 'email'",
    )
    .bind(request)
    .fetch_all(&app.db)
    .await
    .unwrap();
    ids.iter()
        .map(|id| {
            app.settings
                .data_dir
                .join("outbox")
                .join(format!("{:010}.eml", -id))
        })
        .collect()
}

/// Opt-outs go to a webhook nobody answers (it fails for good at once), a mailbox (its
/// notice holds a completion link) and staff by hand.
async fn opt_out_recipients(app: &TestApp) {
    let nobody = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    for (name, channel, address) in [
        ("Ad network", "webhook", format!("http://{nobody}/hook")),
        ("Mail house", "email", "ops@vendor.example".to_string()),
        ("Data broker", "manual", String::new()),
    ] {
        add_recipient(app, name, "opt_out", channel, &address, false)
            .await
            .unwrap();
    }
}

/// Delivers the request's tasks and records the manual one with a note naming the
/// consumer.
async fn pass_on(app: &TestApp, staff: &StaffClient, request: Uuid, note: &str) {
    app.worker.deliver_all_tasks().await.unwrap();
    let manual: i64 = sqlx::query_scalar(
        "SELECT t.id FROM tasks t JOIN recipients c ON c.id = t.recipient_id
         WHERE t.request_id = $1 AND c.channel = 'manual'",
    )
    .bind(request)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let done = staff
        .post(
            &format!("/staff/tasks/{manual}/complete"),
            &[("outcome", "done"), ("note", note)],
        )
        .await;
    assert_eq!(done.status(), 303);
}

/// Staff record every task of the request still open as done, and its mail goes out.
async fn finish_tasks(app: &TestApp, staff: &StaffClient, request: Uuid) {
    let open: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM tasks WHERE request_id = $1 AND completed_at IS NULL AND cancelled_at IS NULL",
    )
    .bind(request)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert!(!open.is_empty(), "tasks still open");
    for id in open {
        let done = staff
            .post(
                &format!("/staff/tasks/{id}/complete"),
                &[("outcome", "done"), ("note", "")],
            )
            .await;
        assert_eq!(done.status(), 303);
    }
    app.worker.deliver_all().await.unwrap();
}

/// What of the requests' tasks could hold personal data: notes and completion links
/// kept, delivery errors kept.
async fn task_leftovers(app: &TestApp, ids: &[Uuid]) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM tasks WHERE request_id = ANY($1) AND note IS NOT NULL),
                (SELECT count(*) FROM tasks WHERE request_id = ANY($1)
                 AND (link_hash IS NOT NULL OR link_expires_at IS NOT NULL)),
                (SELECT count(*) FROM task_deliveries WHERE request_id = ANY($1)
                 AND last_error IS NOT NULL)",
    )
    .bind(ids)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn requests_past_retention_keep_only_an_anonymous_record_and_the_metrics_stay() {
    let app = spawn_app_with(|s| s.tasks.max_attempts = 1).await;
    let staff = app.admin().await;
    let tz = app.settings.timezone().unwrap();
    let year = app.clock.today(tz).year();
    opt_out_recipients(&app).await;

    // An agent's opt-out with the consumer's signed permission, applied by the sweep,
    // and a copy of specific pieces answered with a package, with a note on it.
    let opt_out = app
        .client
        .post(app.url("/requests/new/opt_out"))
        .multipart(agent_form(
            RequestKind::OptOut,
            "signed_permission",
            Some(PDF),
        ))
        .send()
        .await
        .unwrap();
    let opt_out = id_of(&app, &tracking_code_in(&opt_out.text().await.unwrap())).await;
    assert_eq!(app.worker.sweep().await.unwrap().opt_outs_applied, 1);
    pass_on(
        &app,
        &staff,
        opt_out,
        "Ana López's profile removed by phone",
    )
    .await;
    assert_eq!(
        task_leftovers(&app, &[opt_out]).await,
        (1, 1, 1),
        "a note, a completion link and the webhook's error"
    );
    // The full record carries the tasks and every webhook delivery, with its error.
    let opt_out_code = code_of(&app, opt_out).await;
    let record: serde_json::Value = staff
        .get(&format!("/staff/requests/{opt_out_code}/record.json"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(record["tasks"].as_array().unwrap().len(), 3, "{record}");
    assert!(
        record["webhook_deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["recipient"] == "Ad network" && d["last_error"].is_string()),
        "{record}"
    );
    assert!(record["shine_the_light_answer"].is_null());
    let task_files = task_message_files(&app, opt_out).await;
    assert!(
        !task_files.is_empty() && task_files.iter().all(|f| f.exists()),
        "the task notice written as an .eml file"
    );
    let (copy_code, link) = fulfilled_copy(&app, &staff).await;
    let copy = id_of(&app, &copy_code).await;
    let noted = staff
        .post(
            &format!("/staff/requests/{copy_code}/note"),
            &[("note", "Ana López called from +1 415 555 0100")],
        )
        .await;
    assert_eq!(noted.status(), 303);
    app.worker.deliver_all().await.unwrap();
    let agent_receipt = crate::support::sent_mail(&app, "agent_receipt").await;
    let agent_status = crate::agents::link_in(&agent_receipt, "/agent/status/");
    assert_eq!(app.get(&agent_status).await.status(), 200);
    let purged = [opt_out, copy];
    let files_before: Vec<_> = [
        message_files(&app, opt_out).await,
        message_files(&app, copy).await,
    ]
    .concat();
    assert!(
        files_before.iter().all(|f| f.exists()),
        "mail written as .eml files"
    );

    // A month after closing, the agent's authorization (content and name), the
    // declaration's name and the verification links go; the rest stays.
    let links = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM verification_tokens WHERE request_id = ANY($1)",
        )
        .bind(&purged[..])
        .fetch_one(&app.db)
        .await
        .unwrap()
    };
    assert!(links().await > 0, "the receipts' links, used or not");
    app.clock.advance(Duration::days(31));
    app.worker.sweep().await.unwrap();
    assert_eq!(links().await, 0, "verification links are gone");
    let names: Vec<String> =
        sqlx::query_scalar("SELECT filename FROM attachments WHERE request_id = $1")
            .bind(opt_out)
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(names, [""], "the authorization's file name is gone");
    let (authorization, declaration, email): (i32, Option<String>, String) = sqlx::query_as(
        "SELECT (SELECT octet_length(content) FROM attachments WHERE request_id = $1),
                (SELECT declaration_name FROM requests WHERE id = $2),
                (SELECT email FROM requests WHERE id = $2)",
    )
    .bind(opt_out)
    .bind(copy)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(authorization, 0, "the signed permission is removed");
    assert_eq!(declaration, None, "the declaration's name is removed");
    assert_eq!(email, "ana.lopez@example.com", "the request itself is kept");
    let package: i32 = sqlx::query_scalar(
        "SELECT octet_length(content) FROM attachments WHERE request_id = $1 AND purpose = 'response_package'",
    )
    .bind(copy)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(package > 0, "the package stays 45 days");

    // After 45 days the package goes and its link stops working.
    app.clock.advance(Duration::days(15));
    app.worker.sweep().await.unwrap();
    let package: i32 = sqlx::query_scalar(
        "SELECT octet_length(content) FROM attachments WHERE request_id = $1 AND purpose = 'response_package'",
    )
    .bind(copy)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(package, 0);
    assert_eq!(app.get(&link).await.status(), 404);

    // Closed 23 months later: within retention at the purge.
    let start = app.clock.now();
    let advance_to = |months: u32| {
        let target = start.checked_add_months(Months::new(months)).unwrap();
        app.clock.advance(target - app.clock.now());
    };
    advance_to(21);
    let recent = app
        .file(
            RequestKind::OptOut,
            &[
                ("email", "erin@example.com"),
                ("full_name", "Erin Example"),
                ("declaration_name", "Erin Example"),
            ],
        )
        .await;
    app.worker.sweep().await.unwrap();
    assert_eq!(crate::support::status_of(&app, &recent).await, "fulfilled");
    let recent_id = id_of(&app, &recent).await;
    pass_on(
        &app,
        &staff_after_purge(&app).await,
        recent_id,
        "Erin Example's profile removed",
    )
    .await;
    // Two years after the first two closed: a new request, open.
    advance_to(25);
    let open = app
        .file(
            RequestKind::Delete,
            &[
                ("email", "dora@example.com"),
                ("full_name", "Dora Example"),
                ("declaration_name", "Dora Example"),
            ],
        )
        .await;
    app.worker.deliver_all().await.unwrap();
    let (recent, open) = (id_of(&app, &recent).await, id_of(&app, &open).await);
    let kept_files: Vec<_> = [
        message_files(&app, recent).await,
        message_files(&app, open).await,
    ]
    .concat();
    let metrics_before = metrics_json(&app, year).await;
    let anonymous = |id| {
        sqlx::query_as::<_, (String, String, String, Option<String>, chrono::DateTime<chrono::Utc>, Option<chrono::DateTime<chrono::Utc>>)>(
            "SELECT kind, channel, status, outcome_code, received_at, closed_at FROM requests WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&app.db)
    };
    let records_before = (
        anonymous(opt_out).await.unwrap(),
        anonymous(copy).await.unwrap(),
    );

    // The opt-out's e-mailed task and its webhook's (given up) were never recorded as
    // done: the opt-out waits for them, the copy does not.
    let waiting =
        rightsdesk::service::purge::run(&app.db, &app.settings, app.clock.now(), 500, true)
            .await
            .unwrap();
    assert_eq!(waiting.requests.requests, 1, "only the copy: {waiting:?}");
    finish_tasks(&app, &staff_after_purge(&app).await, opt_out).await;

    // A dry run counts and changes nothing.
    let before = fingerprint(&app).await;
    let dry = rightsdesk::service::purge::run(&app.db, &app.settings, app.clock.now(), 500, true)
        .await
        .unwrap();
    assert_eq!(dry.requests.requests, 2, "{dry:?}");
    assert_eq!(dry.requests.tasks, 3, "the opt-out's three: {dry:?}");
    assert!(
        dry.requests.messages >= 4 && dry.requests.events >= 1,
        "{dry:?}"
    );
    assert_eq!(fingerprint(&app).await, before, "a dry run changes nothing");

    // The next day's sweep purges the two, and only them.
    app.clock.advance(Duration::days(1));
    assert_eq!(app.worker.sweep().await.unwrap().purged, 2);
    assert_eq!(
        app.get(&agent_status).await.status(),
        404,
        "the agent's status link is gone"
    );
    assert_eq!(app.count("agent_status_links").await, 0);

    for needle in [
        "ana.lopez",
        "López",
        "555 0100",
        "Main St",
        "loyalty",
        "Sam Rivera",
        "sam@helpers",
        "Privacy Helpers",
    ] {
        for table in [
            "requests",
            "request_events",
            "outbox",
            "attachments",
            "tasks",
            "task_deliveries",
            "drp_callbacks",
            "stl_answers",
            "record_views",
        ] {
            assert_eq!(
                rows_holding(&app, table, &purged, needle).await,
                0,
                "{needle:?} left in {table}"
            );
        }
    }
    let left: (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM attachments WHERE request_id = ANY($1) AND (octet_length(content) > 0 OR filename <> '')),
                (SELECT count(*) FROM verification_tokens WHERE request_id = ANY($1)),
                (SELECT count(*) FROM download_links WHERE request_id = ANY($1)),
                (SELECT count(*) FROM outbox WHERE request_id = ANY($1) AND (to_addr <> '' OR body_text <> '' OR body_html <> ''))",
    )
    .bind(&purged[..])
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(left, (0, 0, 0, 0), "files, links and messages are gone");
    assert!(
        files_before.iter().all(|f| !f.exists()),
        "their .eml files too"
    );
    assert!(kept_files.iter().all(|f| f.exists()), "others' files stay");
    assert_eq!(
        task_leftovers(&app, &purged).await,
        (0, 0, 0),
        "tasks keep no note, link or delivery error"
    );
    assert!(
        task_files.iter().all(|f| !f.exists()),
        "the task notice's .eml file is gone"
    );
    let kept_tasks: (i64, bool, Option<String>) = sqlx::query_as(
        "SELECT count(*), bool_and(t.completed_at IS NULL OR t.note LIKE 'Erin%'),
                min(t.note)
         FROM tasks t WHERE t.request_id = $1",
    )
    .bind(recent)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        kept_tasks,
        (3, true, Some("Erin Example's profile removed".into())),
        "tasks of a request within retention are untouched"
    );
    assert_eq!(task_leftovers(&app, &[recent]).await, (1, 1, 1));
    assert!(
        task_message_files(&app, recent)
            .await
            .iter()
            .all(|f| f.exists())
    );

    // The anonymous record and the year's metrics are unchanged.
    assert_eq!(
        (
            anonymous(opt_out).await.unwrap(),
            anonymous(copy).await.unwrap()
        ),
        records_before
    );
    assert_eq!(metrics_json(&app, year).await, metrics_before);

    // The suppression list is never purged, but no longer leads back to the record.
    let suppressed: (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(request_id) FROM opt_outs
         WHERE lower(email) = 'ana.lopez@example.com'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(suppressed, (1, 0));

    // The exported record of a purged request holds nothing personal either.
    let admin = staff_after_purge(&app).await;
    for id in purged {
        let code = code_of(&app, id).await;
        let exported = admin
            .get(&format!("/staff/requests/{code}/record.json"))
            .await;
        assert_eq!(exported.status(), 200);
        let exported = exported.text().await.unwrap();
        for needle in [
            "ana.lopez",
            "López",
            "555 0100",
            "Main St",
            "Sam Rivera",
            "sam@helpers",
        ] {
            assert!(
                !exported.contains(needle),
                "{needle:?} in the export of {code}"
            );
        }
    }

    // Requests within retention keep everything.
    for (id, needle) in [(recent, "erin@example.com"), (open, "Dora Example")] {
        assert_eq!(rows_holding(&app, "requests", &[id], needle).await, 1);
        assert!(rows_holding(&app, "outbox", &[id], needle).await > 0 || needle == "Dora Example");
    }
    let open_row: (String, Option<String>, Option<String>, Option<String>) =
        sqlx::query_as("SELECT email, full_name, phone, details FROM requests WHERE id = $1")
            .bind(open)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        open_row,
        (
            "dora@example.com".into(),
            Some("Dora Example".into()),
            Some("+1 415 555 0100".into()),
            Some("I had a loyalty card.".into())
        )
    );
    let tokens: i64 =
        sqlx::query_scalar("SELECT count(*) FROM verification_tokens WHERE request_id = $1")
            .bind(open)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(tokens, 1, "an open request keeps its link");

    // Old unsolicited-mail counters are forgotten.
    let old_counters: i64 =
        sqlx::query_scalar("SELECT count(*) FROM unsolicited_mail WHERE day < $1::date - 3")
            .bind(app.clock.now().date_naive())
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(old_counters, 0);

    // Staff still open the anonymous record; purged requests are nobody's others.
    let copy_page = staff_after_purge(&app)
        .await
        .get(&format!("/staff/requests/{copy_code}"))
        .await;
    assert_eq!(copy_page.status(), 200);
    let copy_page = copy_page.text().await.unwrap();
    assert!(copy_page.contains("Personal information removed on"));
    assert!(!copy_page.contains("other requests"));

    // A second purge finds nothing left to do.
    let again =
        rightsdesk::service::purge::run(&app.db, &app.settings, app.clock.now(), 500, false)
            .await
            .unwrap();
    assert_eq!(again.requests.requests, 0, "{again:?}");
}

/// The admin, signed in again after the clock moved past the session's lifetime.
async fn staff_after_purge(app: &TestApp) -> crate::support::StaffClient {
    app.sign_in("admin@example.com", "admin password 123").await
}

#[tokio::test]
async fn a_delivered_message_keeps_no_body_and_a_pending_receipt_holds_no_link() {
    let app = spawn_app().await;
    app.file(RequestKind::Delete, &[]).await;
    // A receipt waits as its template and parameters: rendered, with its link, only
    // when it is sent.
    let pending: (Option<String>, Option<String>, String) = sqlx::query_as(
        "SELECT body_text, body_html, params::text FROM outbox WHERE template = 'receipt'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((pending.0, pending.1), (None, None));
    assert!(!pending.2.contains("/verify/"), "{}", pending.2);
    app.worker.deliver_all().await.unwrap();
    let sent: (
        String,
        String,
        String,
        Option<chrono::DateTime<chrono::Utc>>,
    ) = sqlx::query_as(
        "SELECT to_addr, body_text, body_html, sent_at FROM outbox WHERE template = 'receipt'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(sent.3.is_some());
    assert_eq!(
        (sent.1.as_str(), sent.2.as_str()),
        ("", ""),
        "no live link kept"
    );
    assert_eq!(
        sent.0, "ana.lopez@example.com",
        "the record of who was written to stays"
    );
}

/// `rightsdesk purge`, as an operator runs it, on requests aged in SQL.
fn purge_command(app: &TestApp, data: &TempDir, dry_run: bool) -> String {
    let mut command = rightsdesk(data);
    command
        .arg("purge")
        .env(
            "RIGHTSDESK_DATABASE_URL",
            crate::support::database_url(&app.db.connect_options()),
        )
        .env("RIGHTSDESK_LOG", "warn");
    if dry_run {
        command.arg("--dry-run");
    }
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "purge: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn the_purge_command_prints_its_counts_and_a_dry_run_changes_nothing() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    let code = app.file(RequestKind::Correct, &[]).await;
    let denied = staff
        .post(
            &format!("/staff/requests/{code}/deny"),
            &[
                ("reason", "other"),
                ("explanation", "We hold nothing about Ana López."),
            ],
        )
        .await;
    assert_eq!(denied.status(), 303);
    app.worker.deliver_all().await.unwrap();
    sqlx::query(
        "UPDATE requests SET received_at = received_at - interval '30 months',
             closed_at = closed_at - interval '30 months'",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let data = TempDir::new("purge");

    let before = fingerprint(&app).await;
    let dry = purge_command(&app, &data, true);
    assert!(
        dry.contains("requests past retention would purge: 1"),
        "{dry}"
    );
    assert_eq!(fingerprint(&app).await, before);

    let done = purge_command(&app, &data, false);
    assert!(done.contains("requests past retention purged: 1"), "{done}");
    assert!(
        done.contains("audit events with personal data: 1"),
        "{done}"
    );
    let left: (String, Option<String>, Option<String>) =
        sqlx::query_as("SELECT email, current_value, corrected_value FROM requests")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        left,
        (String::new(), None, None),
        "the address and both values of the correction are gone"
    );
    for needle in ["Main St", "Oak Ave", "López"] {
        for table in ["requests", "request_events", "outbox"] {
            let held: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT count(*) FROM {table} t WHERE t::text ILIKE '%' || $1 || '%'"
            )))
            .bind(needle)
            .fetch_one(&app.db)
            .await
            .unwrap();
            assert_eq!(held, 0, "{needle:?} left in {table}");
        }
    }
    let again = purge_command(&app, &data, false);
    assert!(
        again.contains("requests past retention purged: 0"),
        "{again}"
    );
}

#[test]
fn retention_below_24_months_is_refused_at_start_and_by_check_config() {
    let data = TempDir::new("retention");
    for args in [&["check-config"][..], &["serve"][..]] {
        let out = rightsdesk(&data)
            .args(args)
            .env("RIGHTSDESK_RETENTION__MONTHS", "12")
            .env(
                "RIGHTSDESK_DATABASE_URL",
                "postgres://nobody@127.0.0.1:1/none",
            )
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?} refused");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("retention.months") && stderr.contains("24 months"),
            "{args:?}: {stderr}"
        );
    }
}

#[tokio::test]
async fn staff_export_the_full_record_and_every_opening_is_on_the_trail() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.add_staff("rev@example.com", "reviewer", "reviewer password")
        .await;
    let reviewer = app.sign_in("rev@example.com", "reviewer password").await;
    let code = app.file(RequestKind::Delete, &[]).await;
    // The receipt is sent, and its link created.
    app.worker.deliver_all().await.unwrap();
    admin
        .post(
            &format!("/staff/requests/{code}/note"),
            &[("note", "Called back.")],
        )
        .await;

    // The reviewer opens the request; the admin sees that on the page.
    let opened = reviewer.get(&format!("/staff/requests/{code}")).await;
    assert_eq!(opened.status(), 200);
    let page = admin
        .get(&format!("/staff/requests/{code}"))
        .await
        .text()
        .await
        .unwrap();
    let views = &page[page
        .find("Who has seen this consumer")
        .expect("the access trail")..];
    assert!(
        views.contains("rev@example.com opened the request"),
        "{views}"
    );
    assert!(
        views.contains("admin@example.com opened the request"),
        "{views}"
    );

    // The export holds every field, the trail, the messages (without bodies) and the
    // openings, and is itself recorded.
    let exported = reviewer
        .get(&format!("/staff/requests/{code}/record.json"))
        .await;
    assert_eq!(exported.status(), 200);
    assert_eq!(exported.headers()["cache-control"], "no-store");
    assert!(
        exported.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("record-{code}.json"))
    );
    let record: serde_json::Value = exported.json().await.unwrap();
    let request = &record["request"];
    assert_eq!(request["tracking_code"], code.as_str());
    assert_eq!(request["email"], "ana.lopez@example.com");
    assert_eq!(request["full_name"], "Ana López");
    assert_eq!(request["phone"], "+1 415 555 0100");
    assert_eq!(request["details"], "I had a loyalty card.");
    assert_eq!(request["kind"], "delete");
    assert!(request.get("agent_access_hash").is_none(), "no hashes");
    let actions: Vec<&str> = record["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["submitted", "note_added"]);
    assert_eq!(record["events"][1]["staff"], "admin@example.com");
    assert_eq!(record["events"][1]["data"]["note"], "Called back.");
    let messages = record["messages"].as_array().unwrap();
    assert_eq!(messages[0]["template"], "receipt");
    assert_eq!(messages[0]["to"], "ana.lopez@example.com");
    assert!(
        !record.to_string().contains("/verify/"),
        "no live link leaves in an export"
    );
    assert_eq!(record["verification_links"].as_array().unwrap().len(), 1);
    let whats: Vec<(&str, &str)> = record["views"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["staff"].as_str().unwrap(), v["what"].as_str().unwrap()))
        .collect();
    assert_eq!(
        whats,
        [
            ("rev@example.com", "request_page"),
            ("admin@example.com", "request_page"),
            ("rev@example.com", "record_json"),
        ]
    );

    // The printable page shows the same record, with a print stylesheet.
    let printable = admin.get(&format!("/staff/requests/{code}/record")).await;
    assert_eq!(printable.status(), 200);
    let printable = printable.text().await.unwrap();
    assert!(printable.contains("/static/print.css\" media=\"print\""));
    assert!(printable.contains("ana.lopez@example.com") && printable.contains("Called back."));
    assert!(printable.contains("Who has seen this consumer"));
    assert_eq!(
        app.get("/static/print.css").await.status(),
        200,
        "the print stylesheet is served"
    );

    // Only staff, and only for a request that exists.
    let stranger = app
        .get(&format!("/staff/requests/{code}/record.json"))
        .await;
    assert_ne!(stranger.status(), 200);
    assert!(!stranger.text().await.unwrap().contains("ana.lopez"));
    assert_eq!(
        admin
            .get("/staff/requests/RD-2222-2222/record.json")
            .await
            .status(),
        404
    );
    assert_eq!(
        admin.get("/staff/requests/nonsense/record").await.status(),
        404
    );
}

#[tokio::test]
async fn printing_a_letter_and_exporting_the_list_with_names_are_on_the_trail() {
    // Reviewers' exports leave names and addresses out; admins' carry them.
    let app = spawn_app_with(|s| s.staff.reviewers_export_personal_data = false).await;
    let admin = app.admin().await;
    app.add_staff("rev@example.com", "reviewer", "reviewer password")
        .await;
    let reviewer = app.sign_in("rev@example.com", "reviewer password").await;
    let code = app.file(RequestKind::Delete, &[]).await;
    let stl = app.file(RequestKind::ShineTheLight, &[]).await;

    let letter = admin.get(&format!("/staff/requests/{code}/letter")).await;
    assert_eq!(letter.status(), 200);
    assert!(letter.text().await.unwrap().contains("Ana López"));
    let stl_letter = format!("/staff/requests/{stl}/stl-letter");
    assert_eq!(
        admin.get(&stl_letter).await.status(),
        400,
        "no letter without the year's record, and so no opening"
    );
    crate::shine_the_light::record_disclosures(&admin, crate::shine_the_light::last_year(&app))
        .await;
    assert_eq!(
        admin.get(&stl_letter).await.status(),
        200,
        "a draft from the year's record"
    );
    for (who, expected_name) in [(&reviewer, false), (&admin, true)] {
        let csv = who.get("/staff/requests.csv").await;
        assert_eq!(csv.status(), 200);
        assert_eq!(
            csv.text().await.unwrap().contains("ana.lopez@example.com"),
            expected_name
        );
    }

    let trail = |id: String| {
        let db = app.db.clone();
        async move {
            sqlx::query_as::<_, (String, String)>(
                "SELECT s.email, v.what FROM record_views v
                 JOIN staff_users s ON s.id = v.staff_id
                 JOIN requests r ON r.id = v.request_id
                 WHERE r.tracking_code = $1 ORDER BY v.id",
            )
            .bind(id)
            .fetch_all(&db)
            .await
            .unwrap()
        }
    };
    let admin_saw = |what: &str| ("admin@example.com".to_string(), what.to_string());
    assert_eq!(
        trail(code.clone()).await,
        [admin_saw("letter"), admin_saw("list_export")],
        "the reviewer's export, without names, is not an opening"
    );
    assert_eq!(
        trail(stl.clone()).await,
        [admin_saw("letter"), admin_saw("list_export")]
    );

    let page = admin
        .get(&format!("/staff/requests/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("admin@example.com opened a letter to the consumer"));
    assert!(page.contains("admin@example.com exported it in a list with name and e-mail"));
}

#[tokio::test]
async fn staff_send_a_fresh_download_link_and_the_old_one_stops_working() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    let (code, old_link) = fulfilled_copy(&app, &staff).await;

    // Without the session's CSRF token nothing happens.
    let forged = staff
        .client
        .post(staff.url(&format!("/staff/requests/{code}/download_link")))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    let sent = staff
        .post(&format!("/staff/requests/{code}/download_link"), &[])
        .await;
    assert_eq!(sent.status(), 303);
    let (to, queued): (String, String) = sqlx::query_as(
        "SELECT to_addr, body_text FROM outbox WHERE template = 'download_link_reissued'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(to, "ana.lopez@example.com");
    assert!(
        !queued.contains(&old_link) && queued.contains("/download/link-created-when-sent"),
        "queued, it holds no link: {queued}"
    );
    let body = crate::support::sent_mail(&app, "download_link_reissued").await;
    let new_link = crate::agents::link_in(&body, "/download/");
    assert_ne!(new_link, old_link);

    assert_eq!(
        app.get(&old_link).await.status(),
        404,
        "the old link is over"
    );
    let asked = app
        .post_form(&old_link, &[("email", "ana.lopez@example.com")])
        .await;
    assert_eq!(asked.status(), 404);
    assert_eq!(app.get(&new_link).await.status(), 200);
    let asked = app
        .post_form(&new_link, &[("email", "ana.lopez@example.com")])
        .await;
    assert_eq!(asked.status(), 200);
    let one_time = crate::downloads::latest_code(&app).await;
    let got = app
        .post_form(&format!("{new_link}/file"), &[("code", &one_time)])
        .await;
    assert_eq!(got.status(), 200);
    assert!(!got.bytes().await.unwrap().is_empty());
    let trail = crate::support::event_of(&app, &code, "download_link_reissued").await;
    assert_eq!(trail.actor_type, "staff");

    // Once the package is removed (45 days after closing), no link can be sent.
    app.clock.advance(Duration::days(46));
    app.worker.sweep().await.unwrap();
    let staff = app.sign_in("admin@example.com", "admin password 123").await;
    let page = staff
        .get(&format!("/staff/requests/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("Send a fresh download link"));
    let refused = staff
        .post(&format!("/staff/requests/{code}/download_link"), &[])
        .await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("No response package is kept")
    );
}

#[tokio::test]
async fn a_staff_download_of_a_file_is_on_the_access_trail() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    let response = app
        .client
        .post(app.url("/requests/new/opt_out"))
        .multipart(agent_form(
            RequestKind::OptOut,
            "signed_permission",
            Some(PDF),
        ))
        .send()
        .await
        .unwrap();
    let code = tracking_code_in(&response.text().await.unwrap());
    let file: Uuid = sqlx::query_scalar("SELECT id FROM attachments")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let got = staff
        .get(&format!("/staff/requests/{code}/files/{file}"))
        .await;
    assert_eq!(got.status(), 200);
    let page = staff
        .get(&format!("/staff/requests/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("admin@example.com downloaded permission.pdf"),
        "{}",
        &page[page.find("Who has seen").unwrap()..]
    );
}
