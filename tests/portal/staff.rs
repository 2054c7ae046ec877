//! The staff console: sign-in, authorization, the queue, and every action's rules.

use chrono::Duration;
use rightsdesk::domain::kinds::RequestKind;
use sqlx::Row;

use crate::intake::valid_fields;
use crate::support::{
    TestApp, cookie_client, csrf_in, spawn_app, spawn_app_with, status_of, tracking_code_in,
};

#[tokio::test]
async fn sign_in_works_with_the_right_password_and_tells_nothing_about_the_address() {
    // Many sign-ins from one address in a minute: the per-address limit is not what is
    // tested here.
    let app = spawn_app_with(|s| s.staff.logins_per_minute = 100).await;
    app.add_staff("ana@example.com", "reviewer", "a long password 1")
        .await;

    let (right, _) = app
        .try_sign_in("ana@example.com", "a long password 1")
        .await;
    assert_eq!(right.status(), 303);
    let cookie = right
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("rd_staff="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && cookie.contains("Path=/staff")
    );

    // A known address with a wrong password and an unknown address get the same
    // answer, try after try, and no word of a lock.
    for attempt in 1..=4 {
        let (wrong, _) = app.try_sign_in("ana@example.com", "not the password").await;
        let (unknown, _) = app
            .try_sign_in("nobody@example.com", "not the password")
            .await;
        assert_eq!(wrong.status(), 401, "attempt {attempt}");
        assert_eq!(unknown.status(), 401, "attempt {attempt}");
        let (wrong, unknown) = (wrong.text().await.unwrap(), unknown.text().await.unwrap());
        assert_eq!(error_of(&wrong), error_of(&unknown), "attempt {attempt}");
        assert!(error_of(&wrong).contains("not right"));
    }
    let (wrong, _) = app.try_sign_in("ana@example.com", "not the password").await;
    let (unknown, _) = app
        .try_sign_in("nobody@example.com", "not the password")
        .await;
    assert_eq!(
        (wrong.status().as_u16(), unknown.status().as_u16()),
        (401, 401),
        "fifth failure"
    );
    // The hold is two seconds of the portal's clock; on a busy machine the next two
    // requests can take longer than that, so the clock steps back a minute first.
    app.clock.advance(Duration::seconds(-60));
    let (held, _) = app
        .try_sign_in("ana@example.com", "a long password 1")
        .await;
    let (held_unknown, _) = app
        .try_sign_in("nobody@example.com", "not the password")
        .await;
    assert_eq!(
        (held.status().as_u16(), held_unknown.status().as_u16()),
        (429, 429)
    );
    let (held, held_unknown) = (
        held.text().await.unwrap(),
        held_unknown.text().await.unwrap(),
    );
    // The same words; the wait they name counts down in real time between the two.
    let shape = |page: &str| error_of(page).replace(|c: char| c.is_ascii_digit(), "#");
    assert_eq!(shape(&held), shape(&held_unknown));
    assert!(error_of(&held).contains("Wait"), "{}", error_of(&held));
    assert!(!held.to_lowercase().contains("lock"));
}

/// The error message of the sign-in page.
fn error_of(page: &str) -> String {
    let marker = "role=\"alert\"><p>";
    let start = page.find(marker).expect("the page shows an error") + marker.len();
    let text = &page[start..];
    text[..text.find("</p>").unwrap()].to_string()
}

/// Posts the sign-in form from a fresh browser at client address `ip` (the portal
/// trusts `X-Forwarded-For` in these tests).
async fn sign_in_from(app: &TestApp, ip: &str, email: &str, password: &str) -> u16 {
    sign_in_answer(app, ip, email, password)
        .await
        .status()
        .as_u16()
}

async fn sign_in_answer(app: &TestApp, ip: &str, email: &str, password: &str) -> reqwest::Response {
    let client = cookie_client();
    let form = client
        .get(app.url("/staff/login"))
        .header("x-forwarded-for", ip)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_in(&form);
    client
        .post(app.url("/staff/login"))
        .header("x-forwarded-for", ip)
        .form(&[("email", email), ("password", password), ("csrf", &csrf)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_attacker_who_knows_an_address_slows_only_themselves() {
    let app = spawn_app_with(|s| {
        s.http.trust_forwarded_for = true;
        s.staff.logins_per_minute = 100;
    })
    .await;
    app.add_staff("ana@example.com", "reviewer", "a long password 1")
        .await;
    let attacker = "203.0.113.7";
    for _ in 0..5 {
        assert_eq!(
            sign_in_from(&app, attacker, "ana@example.com", "guess").await,
            401
        );
    }
    // The attacker now waits 2 seconds, then 4, then 8: growing delays.
    for wait in [2, 4, 8] {
        let waits: f64 = sqlx::query_scalar(
            "SELECT extract(epoch FROM wait_until - updated_at)::float8 FROM login_throttle",
        )
        .fetch_one(&app.db)
        .await
        .unwrap();
        assert_eq!(waits, f64::from(wait));
        let throttled = sign_in_answer(&app, attacker, "ana@example.com", "guess").await;
        assert_eq!(throttled.status(), 429);
        assert_eq!(
            throttled.headers()["retry-after"],
            wait.to_string().as_str(),
            "the throttle says how long it holds"
        );
        app.clock.advance(Duration::seconds(wait.into()));
        assert_eq!(
            sign_in_from(&app, attacker, "ana@example.com", "guess").await,
            401
        );
    }
    assert_eq!(
        sign_in_from(&app, attacker, "ana@example.com", "a long password 1").await,
        429,
        "even the right password waits, from that client"
    );

    // Ana, from her own network, is not held up, nor is anyone else at the attacker's.
    assert_eq!(
        sign_in_from(
            &app,
            "198.51.100.20",
            "ana@example.com",
            "a long password 1"
        )
        .await,
        303
    );
    app.add_staff("ben@example.com", "reviewer", "a long password 2")
        .await;
    assert_eq!(
        sign_in_from(&app, attacker, "ben@example.com", "a long password 2").await,
        303
    );
}

#[tokio::test]
async fn failures_are_forgotten_after_a_day() {
    let app = spawn_app_with(|s| s.staff.logins_per_minute = 100).await;
    app.add_staff("ana@example.com", "reviewer", "a long password 1")
        .await;
    for _ in 0..5 {
        app.try_sign_in("ana@example.com", "guess").await;
    }
    app.try_sign_in("nobody@example.com", "guess").await;
    assert_eq!(app.count("login_throttle").await, 2);
    app.clock.advance(Duration::hours(25));
    let (right, _) = app
        .try_sign_in("ana@example.com", "a long password 1")
        .await;
    assert_eq!(right.status(), 303, "the wait is long over");
    app.try_sign_in("someone@example.com", "guess").await;
    assert_eq!(
        app.count("login_throttle").await,
        1,
        "only today's failure is kept"
    );
}

#[tokio::test]
async fn sign_in_attempts_are_limited_per_address() {
    let app = spawn_app_with(|s| s.staff.logins_per_minute = 3).await;
    for _ in 0..3 {
        let (response, _) = app.try_sign_in("nobody@example.com", "some password").await;
        assert_eq!(response.status(), 401);
    }
    let (limited, _) = app.try_sign_in("nobody@example.com", "some password").await;
    assert_eq!(limited.status(), 429);
    assert!(
        limited
            .text()
            .await
            .unwrap()
            .contains("Too many sign-in attempts")
    );
}

#[tokio::test]
async fn sign_in_without_its_anti_forgery_token_is_refused() {
    let app = spawn_app().await;
    app.add_staff("ana@example.com", "reviewer", "a long password 1")
        .await;
    let response = app
        .client
        .post(app.url("/staff/login"))
        .form(&[
            ("email", "ana@example.com"),
            ("password", "a long password 1"),
            ("csrf", "made-up"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn every_staff_page_needs_a_session() {
    let app = spawn_app().await;
    let code = app.file(RequestKind::Delete, &[]).await;
    for path in [
        "/staff/requests",
        &format!("/staff/requests/{code}"),
        "/staff/users",
        "/staff/requests.csv",
        "/staff/account",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(response.headers()["location"], "/staff/login");
    }
    let response = app
        .post_form(
            &format!("/staff/requests/{code}/withdraw"),
            &[("csrf", "x")],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(status_of(&app, &code).await, "awaiting_verification");
}

#[tokio::test]
async fn actions_need_the_sessions_csrf_token() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    let code = app.file(RequestKind::Delete, &[]).await;
    let path = format!("/staff/requests/{code}/withdraw");
    let missing = staff
        .client
        .post(staff.url(&path))
        .form(&[("explanation", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 403);
    let wrong = staff
        .client
        .post(staff.url(&path))
        .form(&[("explanation", "x"), ("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    assert_eq!(status_of(&app, &code).await, "awaiting_verification");
    assert_eq!(staff.post(&path, &[]).await.status(), 303);
    assert_eq!(status_of(&app, &code).await, "withdrawn");
}

#[tokio::test]
async fn reviewers_cannot_administer_staff() {
    let app = spawn_app().await;
    app.add_staff("rev@example.com", "reviewer", "reviewer password")
        .await;
    let reviewer = app.sign_in("rev@example.com", "reviewer password").await;
    assert_eq!(reviewer.get("/staff/users").await.status(), 403);
    let invite = reviewer
        .post(
            "/staff/users",
            &[("email", "new@example.com"), ("role", "admin")],
        )
        .await;
    assert_eq!(invite.status(), 403);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM staff_users")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 1);
    // A reviewer works requests all the same.
    assert_eq!(reviewer.get("/staff/requests").await.status(), 200);
}

#[tokio::test]
async fn the_queue_puts_overdue_first_and_filters() {
    let app = spawn_app().await;
    let old = app.file(RequestKind::Delete, &[]).await;
    app.clock.advance(Duration::days(10));
    let newer = app.file(RequestKind::Correct, &[]).await;
    let opt_out = app.file(RequestKind::OptOut, &[]).await;
    app.clock.advance(Duration::days(40));
    let staff = app.admin().await;

    let page = staff.get("/staff/requests").await.text().await.unwrap();
    let first = page.find(&old).unwrap();
    assert!(first < page.find(&newer).unwrap(), "overdue first");
    assert!(page.contains("5 overdue"));
    assert!(page.contains("class=\"urgent\""), "overdue rows are marked");

    let overdue = staff
        .get("/staff/requests?overdue=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(overdue.contains(&old) && !overdue.contains(&newer));
    let by_kind = staff
        .get("/staff/requests?kind=correct")
        .await
        .text()
        .await
        .unwrap();
    assert!(by_kind.contains(&newer) && !by_kind.contains(&old));
    let by_code = staff
        .get(&format!("/staff/requests?q={}", opt_out.to_lowercase()))
        .await
        .text()
        .await
        .unwrap();
    assert!(by_code.contains(&opt_out) && !by_code.contains(&old));
    let by_email = staff
        .get("/staff/requests?q=ANA.LOPEZ%40example.com")
        .await
        .text()
        .await
        .unwrap();
    assert!(by_email.contains(&old) && by_email.contains(&newer));
    let nonsense = staff.get("/staff/requests?kind=bogus&q=%25%27").await;
    assert_eq!(nonsense.status(), 200);
    assert!(nonsense.text().await.unwrap().contains("ignored"));
    let unverified = staff
        .get("/staff/requests?unverified=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(unverified.contains(&old) && !unverified.contains(&opt_out));
}

#[tokio::test]
async fn the_queue_pages_by_keyset_through_every_request_and_exports_csv() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    rightsdesk::store::seed::requests(
        &mut app.db.acquire().await.unwrap(),
        400,
        0,
        app.clock.now(),
        app.clock.today(app.settings.timezone().unwrap()),
    )
    .await
    .unwrap();
    let open: i64 = sqlx::query_scalar("SELECT count(*) FROM requests WHERE closed_at IS NULL")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(open > 50, "more than a page");
    let mut seen = std::collections::HashSet::new();
    let mut next = Some("/staff/requests".to_string());
    let mut pages = 0;
    while let Some(path) = next.take() {
        let page = staff.get(&path).await.text().await.unwrap();
        pages += 1;
        for piece in page.split("href=\"/staff/requests/RD-").skip(1) {
            assert!(
                seen.insert(piece[..9].to_string()),
                "no request on two pages"
            );
        }
        next = page.split("href=\"").find_map(|p| {
            p.split_once("\" rel=\"next\"")
                .map(|(href, _)| href.replace("&amp;", "&"))
        });
        assert!(pages < 20);
    }
    assert_eq!(seen.len() as i64, open);

    let csv = staff.get("/staff/requests.csv?kind=delete").await;
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = csv.text().await.unwrap();
    let deletes: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM requests WHERE closed_at IS NULL AND kind = 'delete'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        body.lines().count() as i64,
        deletes + 1,
        "a header and a line per request"
    );
    assert!(body.starts_with("tracking_code,kind,status"));
    assert!(
        body.contains("@example.com"),
        "an admin's export carries what the screen shows, e-mail addresses too"
    );
}

#[tokio::test]
async fn verification_by_staff_needs_enough_matched_data_points() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    let code = app.file(RequestKind::KnowSpecific, &[]).await;
    let path = |a: &str| format!("/staff/requests/{code}/{a}");

    // A point outside the fixed list is refused; each point counts once.
    let unknown = staff
        .post(&path("data_point"), &[("point", "last order number")])
        .await;
    assert_eq!(unknown.status(), 422);
    staff.match_points(&code, &["name"]).await;
    let again = staff.post(&path("data_point"), &[("point", "name")]).await;
    assert_eq!(again.status(), 422);
    assert!(again.text().await.unwrap().contains("counts once"));
    staff.match_points(&code, &["phone_number"]).await;
    let page = staff
        .get(&format!("/staff/requests/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("2 of 3 matched data points"),
        "the page says what is short"
    );
    assert_eq!(status_of(&app, &code).await, "awaiting_verification");
    // The third point meets the policy (the declaration was signed on the form): the
    // request is verified at once, with no separate step.
    staff.match_points(&code, &["recent_transaction"]).await;
    assert_eq!(status_of(&app, &code).await, "verified");
    let page = staff
        .get(&format!("/staff/requests/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Data point matched") && page.contains("A recent transaction"));
    assert!(page.contains("Status: Awaiting verification → Verified"));
}

#[tokio::test]
async fn the_email_link_is_one_point_and_staff_points_complete_the_policy() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    let code = app.file(RequestKind::Delete, &[]).await;
    let link = crate::support::sent_mail(&app, "receipt").await;
    let link = crate::support::verify_link(&link);
    let used = app.post_form(&link, &[]).await.text().await.unwrap();
    assert!(used.contains("still need to match"));
    assert_eq!(
        status_of(&app, &code).await,
        "awaiting_verification",
        "the link proves control of the address, not identity"
    );
    // The consumer is no longer asked for their link: staff are matching details.
    let lookup = [
        ("tracking_code", code.as_str()),
        ("email", "ana.lopez@example.com"),
    ];
    let page = app
        .post_form("/status", &lookup)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Checking identity"), "{page}");
    assert!(!page.contains("We are waiting for you to"));
    app.post_form("/status/resend", &lookup).await;
    let links: i64 = sqlx::query_scalar("SELECT count(*) FROM verification_tokens")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(links, 1, "no new link once the consumer's own was used");
    let refused = staff
        .post(&format!("/staff/requests/{code}/fulfil"), &[])
        .await;
    assert_eq!(refused.status(), 422);
    staff.match_points(&code, &["postal_address"]).await;
    assert_eq!(status_of(&app, &code).await, "verified");
    let level: String =
        sqlx::query_scalar("SELECT verification_level FROM requests WHERE tracking_code = $1")
            .bind(&code)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(level, "2 matched data points");
}

#[tokio::test]
async fn the_verification_policy_is_the_business_setting() {
    let app = spawn_app_with(|s| s.verification.delete = 3).await;
    let staff = app.admin().await;
    let code = app.file(RequestKind::Delete, &[]).await;
    staff.match_points(&code, &["name", "phone_number"]).await;
    assert_eq!(status_of(&app, &code).await, "awaiting_verification");
    staff.match_points(&code, &["date_of_birth"]).await;
    assert_eq!(status_of(&app, &code).await, "verified");
}

#[tokio::test]
async fn an_extension_is_allowed_once_up_to_day_45_and_sends_the_reason() {
    let app = spawn_app().await;
    let on_time = app.file(RequestKind::Delete, &[]).await;
    let late = app.file(RequestKind::Correct, &[]).await;
    app.clock.advance(Duration::days(45));
    // Sessions end after an hour idle: sign in on the day of the test.
    let staff = app.admin().await;

    let extend = |code: &str, reason: &str| {
        let path = format!("/staff/requests/{code}/extend");
        let reason = reason.to_string();
        let staff = &staff;
        async move { staff.post(&path, &[("reason", &reason)]).await }
    };
    let no_reason = extend(&on_time, "").await;
    assert_eq!(no_reason.status(), 422);
    assert!(no_reason.text().await.unwrap().contains("Give the reason"));
    assert_eq!(
        extend(&on_time, "We hold your data in several systems.")
            .await
            .status(),
        303
    );
    let row = sqlx::query("SELECT respond_by, extended_respond_by, extension_reason, due_on FROM requests WHERE tracking_code = $1")
        .bind(&on_time)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let respond_by: chrono::NaiveDate = row.get::<Option<_>, _>("respond_by").unwrap();
    let extended: chrono::NaiveDate = row.get::<Option<_>, _>("extended_respond_by").unwrap();
    assert_eq!(
        extended,
        respond_by + Duration::days(45),
        "to received + 90"
    );
    assert_eq!(
        row.get::<Option<chrono::NaiveDate>, _>("due_on"),
        Some(extended)
    );
    let notice: String =
        sqlx::query_scalar("SELECT body_text FROM outbox WHERE template = 'extension_notice'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(notice.contains("We hold your data in several systems.") && notice.contains(&on_time));

    let twice = extend(&on_time, "Again").await;
    assert_eq!(twice.status(), 422);
    assert!(twice.text().await.unwrap().contains("already extended"));

    app.clock.advance(Duration::days(1));
    let staff = app.sign_in("admin@example.com", "admin password 123").await;
    let after = staff
        .post(
            &format!("/staff/requests/{late}/extend"),
            &[("reason", "Too late")],
        )
        .await;
    assert_eq!(after.status(), 422);
    assert!(after.text().await.unwrap().contains("has passed"));
    let extended: Option<chrono::NaiveDate> =
        sqlx::query_scalar("SELECT extended_respond_by FROM requests WHERE tracking_code = $1")
            .bind(&late)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(extended.is_none());
}

#[tokio::test]
async fn fulfil_deny_and_withdraw_follow_the_status_rules_and_tell_the_consumer() {
    let app = spawn_app_with(|s| {
        s.staff.deletion_recipients = vec!["Mail vendor".into(), "Analytics Inc".into()]
    })
    .await;
    let staff = app.admin().await;
    let delete = app.file(RequestKind::Delete, &[]).await;
    let correct = app.file(RequestKind::Correct, &[]).await;

    // Not verified yet: fulfilment is refused, denial is not.
    let refused = staff
        .post(&format!("/staff/requests/{delete}/fulfil"), &[])
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("verified first"));

    staff
        .match_points(&delete, &["name", "postal_address"])
        .await;
    staff
        .post(&format!("/staff/requests/{delete}/start"), &[])
        .await;
    assert_eq!(status_of(&app, &delete).await, "in_progress");
    let done = staff
        .post(
            &format!("/staff/requests/{delete}/fulfil"),
            &[("explanation", "Deleted from all systems.")],
        )
        .await;
    assert_eq!(done.status(), 303);
    assert_eq!(status_of(&app, &delete).await, "fulfilled");
    // Each configured deletion recipient gets a task with the decision.
    let tasks: Vec<String> = sqlx::query_scalar(
        "SELECT c.name FROM tasks t JOIN recipients c ON c.id = t.recipient_id ORDER BY c.name",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(tasks, ["Analytics Inc", "Mail vendor"]);
    let outcome: String =
        sqlx::query_scalar("SELECT body_text FROM outbox WHERE template = 'outcome'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(
        outcome.contains("We completed your request") && outcome.contains("record of your request")
    );
    let again = staff
        .post(
            &format!("/staff/requests/{delete}/deny"),
            &[("reason", "other"), ("explanation", "x")],
        )
        .await;
    assert_eq!(
        again.status(),
        422,
        "a closed request takes no more decisions"
    );

    // Denial needs a reason from the list for the kind, and an explanation.
    let path = format!("/staff/requests/{correct}/deny");
    assert_eq!(
        staff
            .post(&path, &[("reason", "research"), ("explanation", "x")])
            .await
            .status(),
        422
    );
    assert_eq!(
        staff
            .post(
                &path,
                &[("reason", "more_likely_accurate"), ("explanation", "")]
            )
            .await
            .status(),
        422
    );
    let denied = staff
        .post(
            &path,
            &[
                ("reason", "more_likely_accurate"),
                ("explanation", "Our records match your ID document."),
            ],
        )
        .await;
    assert_eq!(denied.status(), 303);
    assert_eq!(status_of(&app, &correct).await, "denied");
    let consumer = app
        .post_form(
            "/status",
            &[
                ("tracking_code", &correct),
                ("email", "ana.lopez@example.com"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        consumer.contains("more likely than not accurate")
            && consumer.contains("Our records match")
    );

    // The whole story is in the trail, with who did it.
    let trail = staff
        .get(&format!("/staff/requests/{delete}"))
        .await
        .text()
        .await
        .unwrap();
    for step in [
        "Request received",
        "Data point matched",
        "Status: Awaiting verification → Verified",
        "Work started",
        "Fulfilled",
    ] {
        assert!(trail.contains(step), "{step}");
    }
    assert!(trail.contains("staff admin@example.com"));
}

#[tokio::test]
async fn a_file_is_only_reachable_through_its_own_request() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in valid_fields(RequestKind::Correct) {
        form = form.text(k, v);
    }
    form = form.part(
        "document",
        reqwest::multipart::Part::bytes(b"%PDF-1.4 test".to_vec()).file_name("proof.pdf"),
    );
    let page = app
        .client
        .post(app.url("/requests/new/correct"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let with_file = tracking_code_in(&page);
    let other = app.file(RequestKind::Delete, &[]).await;
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM attachments")
        .fetch_one(&app.db)
        .await
        .unwrap();

    let own = staff
        .get(&format!("/staff/requests/{with_file}/files/{id}"))
        .await;
    assert_eq!(own.status(), 200);
    assert!(
        own.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(own.bytes().await.unwrap().as_ref(), b"%PDF-1.4 test");
    let tampered = staff
        .get(&format!("/staff/requests/{other}/files/{id}"))
        .await;
    assert_eq!(tampered.status(), 404);
}

#[tokio::test]
async fn a_third_request_to_know_in_a_year_is_flagged() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    let first = app.file(RequestKind::KnowCategories, &[]).await;
    let second = app.file(RequestKind::KnowSpecific, &[]).await;
    // Only answered requests count (Civ. §1798.130(b)): a denied one does not.
    let denied = app.file(RequestKind::KnowCategories, &[]).await;
    let answered = |code: String, status: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query(
                "UPDATE requests SET status = $2, closed_at = now() WHERE tracking_code = $1",
            )
            .bind(code)
            .bind(status)
            .execute(&db)
            .await
            .unwrap();
        }
    };
    answered(denied, "denied").await;
    answered(first, "fulfilled").await;
    let before_second_answer = app.file(RequestKind::KnowCategories, &[]).await;
    let page = staff
        .get(&format!("/staff/requests/{before_second_answer}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("Third request to know"),
        "one answered, one open, one denied: not yet"
    );
    answered(second.clone(), "partially_fulfilled").await;
    let third = app.file(RequestKind::KnowCategories, &[]).await;
    let page = staff
        .get(&format!("/staff/requests/{second}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("Third request to know"));
    let page = staff
        .get(&format!("/staff/requests/{third}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Third request to know"));
    assert!(page.contains("other requests"));
}

#[tokio::test]
async fn an_admin_invites_a_member_who_sets_a_password_once() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let response = admin
        .post(
            "/staff/users",
            &[("email", "new@example.com"), ("role", "reviewer")],
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("Invitation sent"));
    let queued: String =
        sqlx::query_scalar("SELECT body_text FROM outbox WHERE template = 'staff_invite'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(
        queued.contains("/staff/invite/link-created-when-sent"),
        "queued, it holds no link: {queued}"
    );
    let body = crate::support::sent_mail(&app, "staff_invite").await;
    let link = crate::agents::link_in(&body, "/staff/invite/");

    assert_eq!(app.get(&link).await.status(), 200);
    let short = app
        .post_form(&link, &[("password", "short"), ("confirm", "short")])
        .await;
    assert_eq!(short.status(), 422);
    let set = app
        .post_form(
            &link,
            &[
                ("password", "a brand new password"),
                ("confirm", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(set.status(), 303);
    app.sign_in("new@example.com", "a brand new password").await;
    let reused = app
        .post_form(
            &link,
            &[
                ("password", "another new password"),
                ("confirm", "another new password"),
            ],
        )
        .await;
    assert_eq!(reused.status(), 404, "single use");

    // Deactivation ends the member's sessions at once.
    let member = app.sign_in("new@example.com", "a brand new password").await;
    let id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM staff_users WHERE email = 'new@example.com'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    admin
        .post(
            &format!("/staff/users/{id}/deactivate"),
            &[("confirmed", "yes")],
        )
        .await;
    assert_eq!(member.get("/staff/requests").await.status(), 303);
    let (after, _) = app
        .try_sign_in("new@example.com", "a brand new password")
        .await;
    assert_eq!(after.status(), 401);
}

#[tokio::test]
async fn a_password_change_signs_out_every_other_session() {
    let app = spawn_app().await;
    app.add_staff("ana@example.com", "reviewer", "first password 1")
        .await;
    let laptop = app.sign_in("ana@example.com", "first password 1").await;
    let phone = app.sign_in("ana@example.com", "first password 1").await;
    let changed = laptop
        .post(
            "/staff/account",
            &[
                ("current", "first password 1"),
                ("password", "second password 2"),
                ("confirm", "second password 2"),
            ],
        )
        .await;
    assert_eq!(changed.status(), 303);
    assert_eq!(
        phone.get("/staff/requests").await.status(),
        303,
        "the other session ended"
    );
    assert_eq!(
        laptop.get("/staff/requests").await.status(),
        200,
        "this one continues"
    );
}

#[tokio::test]
async fn sessions_end_after_idle_time() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    assert_eq!(staff.get("/staff/requests").await.status(), 200);
    app.clock.advance(Duration::minutes(61));
    assert_eq!(staff.get("/staff/requests").await.status(), 303);
}

#[tokio::test]
async fn an_admin_invites_again_someone_whose_invitation_lapsed_and_only_the_new_one_works() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let invited = admin
        .post(
            "/staff/users",
            &[("email", "late@example.com"), ("role", "reviewer")],
        )
        .await;
    assert_eq!(invited.status(), 200);
    let first = crate::agents::link_in(
        &crate::support::sent_mail(&app, "staff_invite").await,
        "/staff/invite/",
    );
    let id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM staff_users WHERE email = 'late@example.com'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    // The same address again is refused; the list offers to invite again.
    let twice = admin
        .post(
            "/staff/users",
            &[("email", "late@example.com"), ("role", "reviewer")],
        )
        .await;
    assert_eq!(twice.status(), 422);
    let list = admin.get("/staff/users").await.text().await.unwrap();
    assert!(
        list.contains(&format!("/staff/users/{id}/invite")),
        "{list}"
    );

    // A reviewer cannot; without the CSRF token nothing happens.
    app.add_staff("rev@example.com", "reviewer", "reviewer password")
        .await;
    let reviewer = app.sign_in("rev@example.com", "reviewer password").await;
    let refused = reviewer
        .post(&format!("/staff/users/{id}/invite"), &[])
        .await;
    assert_eq!(refused.status(), 403);
    let forged = admin
        .client
        .post(admin.url(&format!("/staff/users/{id}/invite")))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    let again = admin.post(&format!("/staff/users/{id}/invite"), &[]).await;
    assert_eq!(again.status(), 200);
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("Invitation sent again")
    );
    let second = crate::agents::link_in(
        &crate::support::sent_mail(&app, "staff_invite").await,
        "/staff/invite/",
    );
    assert_ne!(first, second);
    assert_eq!(app.get(&first).await.status(), 404, "the first one ended");
    assert_eq!(app.get(&second).await.status(), 200);
    let set = app
        .post_form(
            &second,
            &[
                ("password", "a late but good password"),
                ("confirm", "a late but good password"),
            ],
        )
        .await;
    assert_eq!(set.status(), 303);
    app.sign_in("late@example.com", "a late but good password")
        .await;

    // Once the password is chosen there is nothing to invite to.
    let after = admin.post(&format!("/staff/users/{id}/invite"), &[]).await;
    assert_eq!(after.status(), 422);
    assert!(
        !admin
            .get("/staff/users")
            .await
            .text()
            .await
            .unwrap()
            .contains(&format!("/staff/users/{id}/invite"))
    );
}

#[tokio::test]
async fn an_invitation_that_cannot_be_delivered_alerts_staff_and_leaves_no_link() {
    let mut smtp = crate::support::SmtpServer::start().await;
    let app = crate::support::spawn_app_with(|s| {
        s.smtp_url = Some(smtp.url());
        s.mail.max_attempts = 1;
        s.staff_alerts_to = Some("privacy-team@example.com".into());
    })
    .await;
    let admin = app.admin().await;
    smtp.stop();
    let invited = admin
        .post(
            "/staff/users",
            &[("email", "lost@example.com"), ("role", "reviewer")],
        )
        .await;
    assert_eq!(invited.status(), 200);
    app.worker.deliver_all().await.unwrap();
    let failed: bool = sqlx::query_scalar(
        "SELECT failed_at IS NOT NULL FROM outbox WHERE template = 'staff_invite'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(failed);
    assert_eq!(app.count("staff_invites").await, 0, "no link was ever sent");
    let alerts: Vec<String> =
        sqlx::query_scalar("SELECT to_addr FROM outbox WHERE template = 'staff_delivery_failed'")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(alerts, ["privacy-team@example.com"]);
    let list = admin.get("/staff/users").await.text().await.unwrap();
    assert!(list.contains("Invite again"), "{list}");
}
