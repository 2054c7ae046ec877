//! The consumer's path in a real headless Chromium, driven over WebDriver.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use sqlx::Row;

use crate::support::spawn_app;

/// A chromedriver process of this test's own, stopped when dropped.
pub(crate) struct ChromeDriver {
    child: Child,
    port: u16,
    profile: std::path::PathBuf,
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // The browser is chromedriver's child: end the whole process group, so a failed
        // test leaves no browser behind.
        if let Ok(pid) = i32::try_from(self.child.id()) {
            unsafe { libc::kill(-pid, libc::SIGKILL) };
        }
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn find_program(env: &str, names: &[&str]) -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os(env) {
        return Some(path.into());
    }
    let dirs: Vec<_> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    names
        .iter()
        .flat_map(|name| dirs.iter().map(move |d| d.join(name)))
        .find(|p| p.is_file())
}

pub(crate) async fn type_into(browser: &Client, id: &str, text: &str) {
    browser
        .find(Locator::Id(id))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

pub(crate) async fn click(browser: &Client, locator: Locator<'_>) {
    browser.find(locator).await.unwrap().click().await.unwrap();
}

/// The element once the page shows it. A lookup while the browser navigates, after a
/// click that sent a form, may fail ("aborted by navigation"): that is waited out too.
pub(crate) async fn wait_for(
    browser: &Client,
    locator: Locator<'_>,
) -> fantoccini::elements::Element {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        match browser.find(locator).await {
            Ok(element) => return element,
            Err(err) if std::time::Instant::now() >= deadline => {
                panic!("no {locator:?} within 20 s: {err}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// The text of an element once it contains `expected`. After a click the old page may
/// still be showing, with an element of the same name and another text, or may go away
/// while it is read: both are waited out.
pub(crate) async fn wait_text(browser: &Client, locator: Locator<'_>, expected: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut last = String::new();
    while std::time::Instant::now() < deadline {
        if let Ok(element) = browser.find(locator).await
            && let Ok(text) = element.text().await
        {
            if text.contains(expected) {
                return text;
            }
            last = text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{locator:?} never contained {expected:?}; last seen: {last:?}");
}

/// Signs in on the staff sign-in page.
pub(crate) async fn sign_in(
    browser: &Client,
    app: &crate::support::TestApp,
    email: &str,
    password: &str,
) {
    browser.goto(&app.url("/staff/login")).await.unwrap();
    type_into(browser, "f-email", email).await;
    type_into(browser, "f-password", password).await;
    click(browser, Locator::Css("button[type=submit]")).await;
}

pub(crate) async fn start_browser() -> (ChromeDriver, Client) {
    let driver_bin = find_program("RIGHTSDESK_CHROMEDRIVER", &["chromedriver"])
        .expect("chromedriver is needed for the browser tests (Debian: apt-get install chromium chromium-driver)");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(driver_bin)
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting chromedriver");
    let profile = std::env::temp_dir().join(format!("rightsdesk-chrome-{}", uuid::Uuid::new_v4()));
    let driver = ChromeDriver {
        child,
        port,
        profile,
    };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", driver.port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let mut options = serde_json::json!({
        "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--disable-quic", "--window-size=390,844",
            format!("--user-data-dir={}", driver.profile.display()),
        ]
    });
    if let Some(chromium) = find_program(
        "RIGHTSDESK_CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    ) {
        options["binary"] = chromium.display().to_string().into();
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("connecting to chromedriver");
    (driver, client)
}

#[tokio::test]
async fn a_consumer_files_a_deletion_in_a_browser_and_sees_the_tracking_code() {
    let app = spawn_app().await;
    let (_driver, browser) = start_browser().await;

    browser.goto(&app.url("/")).await.unwrap();
    click(
        &browser,
        Locator::LinkText("Delete your personal information"),
    )
    .await;
    assert!(
        browser
            .current_url()
            .await
            .unwrap()
            .as_str()
            .ends_with("/requests/new/delete")
    );

    // Sent with the e-mail missing: the error is shown next to the field, the name kept.
    type_into(&browser, "f-full_name", "Ana López").await;
    click(&browser, Locator::Id("f-california_resident")).await;
    click(&browser, Locator::Css("button[type=submit]")).await;
    let error = match browser
        .wait()
        .for_element(Locator::Id("f-email-error"))
        .await
    {
        Ok(e) => e,
        Err(e) => panic!("{e}: {}", browser.source().await.unwrap()),
    };
    assert!(
        error
            .text()
            .await
            .unwrap()
            .contains("Enter your e-mail address")
    );
    let kept = browser
        .find(Locator::Id("f-full_name"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("Ana López"));

    type_into(&browser, "f-email", "ana@example.com").await;
    let resident = browser
        .find(Locator::Id("f-california_resident"))
        .await
        .unwrap();
    if resident.prop("checked").await.unwrap().as_deref() != Some("true") {
        resident.click().await.unwrap();
    }
    click(&browser, Locator::Css("button[type=submit]")).await;
    let code = wait_text(&browser, Locator::Id("tracking-code"), "RD-").await;
    assert!(
        code.len() == 12 && code.starts_with("RD-"),
        "a tracking code is shown, got {code:?}"
    );
    browser.close().await.unwrap();

    let row = sqlx::query("SELECT kind, email, full_name FROM requests WHERE tracking_code = $1")
        .bind(&code)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>("kind"), "delete");
    assert_eq!(row.get::<String, _>("email"), "ana@example.com");
    assert_eq!(row.get::<String, _>("full_name"), "Ana López");
}

#[tokio::test]
async fn a_reviewer_extends_the_most_urgent_request_from_the_queue_in_a_browser() {
    let app = spawn_app().await;
    let fields = crate::intake::valid_fields(rightsdesk::domain::kinds::RequestKind::Delete);
    let file = || async {
        crate::support::tracking_code_in(
            &app.post_form("/requests/new/delete", &fields)
                .await
                .text()
                .await
                .unwrap(),
        )
    };
    let urgent = file().await;
    app.clock.advance(chrono::Duration::days(20));
    let later = file().await;
    // Day 45 of the first request: due today, the last day an extension may be sent.
    app.clock.advance(chrono::Duration::days(25));
    app.add_staff("rev@example.com", "reviewer", "reviewer password")
        .await;
    let (_driver, browser) = start_browser().await;

    browser.goto(&app.url("/staff/requests")).await.unwrap();
    assert!(
        browser
            .current_url()
            .await
            .unwrap()
            .as_str()
            .ends_with("/staff/login")
    );
    sign_in(&browser, &app, "rev@example.com", "reviewer password").await;

    let first_row = wait_for(&browser, Locator::Css("table.queue tbody tr")).await;
    assert_eq!(
        first_row.attr("class").await.unwrap().as_deref(),
        Some("urgent"),
        "shown in red"
    );
    let link = first_row.find(Locator::Css("a")).await.unwrap();
    assert_eq!(
        link.text().await.unwrap(),
        urgent,
        "the nearest deadline is at the top"
    );
    let rows = browser
        .find_all(Locator::Css("table.queue tbody tr"))
        .await
        .unwrap();
    assert!(rows.len() >= 2);
    assert!(rows[1].text().await.unwrap().contains(&later));
    link.click().await.unwrap();

    wait_for(&browser, Locator::Id("a-reason"))
        .await
        .send_keys("We need to search three archived systems.")
        .await
        .unwrap();
    click(
        &browser,
        Locator::XPath("//form[contains(@action, '/extend')]//button"),
    )
    .await;
    let trail = wait_text(&browser, Locator::Css("ol.trail"), "Deadline extended").await;
    assert!(trail.contains("Deadline extended"), "{trail}");
    assert!(trail.contains("We need to search three archived systems."));
    assert!(trail.contains("rev@example.com"));
    browser.close().await.unwrap();

    let reason: Option<String> =
        sqlx::query_scalar("SELECT extension_reason FROM requests WHERE tracking_code = $1")
            .bind(&urgent)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        reason.as_deref(),
        Some("We need to search three archived systems.")
    );
}

#[tokio::test]
async fn an_agent_files_with_a_permission_upload_the_consumer_confirms_and_staff_accept() {
    let app = spawn_app().await;
    app.add_staff("rev@example.com", "reviewer", "reviewer password")
        .await;
    let permission = crate::support::TempDir::new("permission");
    let pdf = permission.0.join("permission.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\nsigned permission\n%%EOF\n").unwrap();
    let (_driver, browser) = start_browser().await;

    // The agent fills the deletion form for the consumer.
    browser
        .goto(&app.url("/requests/new/delete"))
        .await
        .unwrap();
    type_into(&browser, "f-full_name", "Ana López").await;
    type_into(&browser, "f-email", "ana@example.com").await;
    click(&browser, Locator::Id("f-california_resident")).await;
    // Filing for someone else is behind a closed disclosure.
    click(&browser, Locator::Css("details.agent > summary")).await;
    click(&browser, Locator::Id("f-for_someone_else")).await;
    type_into(&browser, "f-agent_name", "Sam Rivera").await;
    type_into(&browser, "f-agent_email", "sam@helpers.example").await;
    click(&browser, Locator::Id("f-authority-permission")).await;
    type_into(&browser, "f-permission", pdf.to_str().unwrap()).await;
    click(&browser, Locator::Id("f-agent_declaration")).await;
    click(&browser, Locator::Css("details.agent button[type=submit]")).await;
    let code = wait_text(&browser, Locator::Id("tracking-code"), "RD-").await;
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT content FROM attachments WHERE purpose = 'agent_authorization'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(
        stored.starts_with(b"%PDF-1.4"),
        "the permission was uploaded"
    );

    // The consumer follows the link from their e-mail and confirms the agent.
    let body = crate::support::sent_mail(&app, "agent_confirmation").await;
    let start = body.find("/verify/").unwrap();
    let link: String = body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    browser.goto(&app.url(&link)).await.unwrap();
    click(&browser, Locator::Css("button[value=confirm]")).await;
    let heading = wait_text(&browser, Locator::Css("h1"), "confirmed").await;
    assert!(heading.contains("confirmed"), "{heading}");

    // Staff review the permission and accept it.
    sign_in(&browser, &app, "rev@example.com", "reviewer password").await;
    wait_for(&browser, Locator::Css("table.queue")).await;
    browser
        .goto(&app.url(&format!("/staff/requests/{code}")))
        .await
        .unwrap();
    let state = browser
        .find(Locator::Id("agent-authority-state"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        state, "confirmed",
        "the consumer's word is enough: nothing left to accept"
    );
    assert!(
        browser
            .find(Locator::XPath(
                "//form[contains(@action, '/accept_authority')]"
            ))
            .await
            .is_err()
    );
    // The consumer's confirmation matched the e-mail; staff match a second point.
    browser
        .find(Locator::Id("a-point"))
        .await
        .unwrap()
        .select_by_value("postal_address")
        .await
        .unwrap();
    click(
        &browser,
        Locator::XPath("//form[contains(@action, '/data_point')]//button"),
    )
    .await;
    let status = wait_text(&browser, Locator::Id("status"), "Verified").await;
    assert!(status.starts_with("Verified"), "{status}");
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_customer_files_a_shine_the_light_request_and_staff_answer_it_in_a_browser() {
    let app = spawn_app().await;
    let (_driver, browser) = start_browser().await;

    browser.goto(&app.url("/")).await.unwrap();
    crate::axe::assert_accessible(&browser, "the home page with its Shine the Light section").await;
    click(
        &browser,
        Locator::LinkText("Ask who we share your information with for their direct marketing"),
    )
    .await;
    wait_text(&browser, Locator::Css("h1"), "direct marketing").await;
    crate::axe::assert_accessible(&browser, "the Shine the Light form").await;

    type_into(&browser, "f-email", "ana@example.com").await;
    click(&browser, Locator::Css("button[type=submit]")).await;
    wait_text(
        &browser,
        Locator::Id("f-full_name-error"),
        "Enter your full name",
    )
    .await;
    crate::axe::assert_accessible(&browser, "the Shine the Light form with an error").await;

    type_into(&browser, "f-full_name", "Ana López").await;
    type_into(&browser, "f-address", "1 Main St\nOakland CA 94607").await;
    click(&browser, Locator::Css("button[type=submit]")).await;
    let code = wait_text(&browser, Locator::Id("tracking-code"), "RD-").await;
    crate::axe::assert_accessible(&browser, "the Shine the Light confirmation").await;
    let kind: String = sqlx::query_scalar("SELECT kind FROM requests WHERE tracking_code = $1")
        .bind(&code)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(kind, "shine_the_light");

    // Staff: the admin's record of last year's disclosures, the request, the letter.
    app.add_staff("admin@example.com", "admin", "admin password 123")
        .await;
    sign_in(&browser, &app, "admin@example.com", "admin password 123").await;
    wait_text(&browser, Locator::Css("h1"), "Requests").await;
    browser
        .goto(&app.url("/staff/shine-the-light"))
        .await
        .unwrap();
    wait_text(&browser, Locator::Css("h1"), "direct-marketing disclosures").await;
    type_into(&browser, "s-categories", "Name\nPostal address").await;
    click(&browser, Locator::Css("form[action$='/categories'] button")).await;
    wait_text(&browser, Locator::Css("p.notice"), "Categories saved").await;
    type_into(&browser, "s-name", "Acme Catalogs").await;
    type_into(&browser, "s-address", "500 Market St, San Francisco CA").await;
    type_into(&browser, "s-examples", "home goods").await;
    click(
        &browser,
        Locator::Css("form[action$='/add_third_party'] button"),
    )
    .await;
    wait_text(&browser, Locator::Id("record-state"), "Recorded").await;
    crate::axe::assert_accessible(&browser, "the Shine the Light record").await;

    browser
        .goto(&app.url(&format!("/staff/requests/{code}")))
        .await
        .unwrap();
    wait_text(&browser, Locator::Id("stl-year"), "recorded").await;
    crate::axe::assert_accessible(&browser, "a Shine the Light request's staff page").await;

    browser
        .goto(&app.url(&format!("/staff/requests/{code}/stl-letter")))
        .await
        .unwrap();
    wait_text(&browser, Locator::Css("h1"), &code).await;
    crate::axe::assert_accessible(&browser, "the printed letter").await;
    browser.close().await.unwrap();
}

/// Checks the page at `path` with axe at phone and desktop widths; `then` may act on
/// the page first (submit a form) so the page checked is the one that follows.
async fn check_widths(browser: &Client, axe: &str, url: &str, label: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (width, height) in [(390, 844), (1280, 900)] {
        browser.set_window_size(width, height).await.unwrap();
        browser.goto(url).await.unwrap();
        for v in crate::axe::violations(browser, axe).await {
            problems.push(format!("{label} at {width}px: {v}"));
        }
    }
    problems
}

#[tokio::test]
async fn the_new_pages_pass_axe_at_phone_and_desktop_widths() {
    let app = spawn_app().await;
    let axe = crate::axe::source();
    app.add_staff("rev@example.com", "reviewer", "reviewer password")
        .await;
    let (_driver, browser) = start_browser().await;
    let mut problems = Vec::new();

    for path in [
        "/",
        "/requests/new/opt_out",
        "/requests/new/limit_sensitive",
        "/requests/new/know_specific",
        "/requests/new/correct",
        "/privacy-choices",
    ] {
        problems.extend(check_widths(&browser, &axe, &app.url(path), path).await);
    }

    for (width, height) in [(390, 844), (1280, 900)] {
        browser.set_window_size(width, height).await.unwrap();
        // A form sent back with errors, the agent's disclosure open.
        browser
            .goto(&app.url("/requests/new/delete"))
            .await
            .unwrap();
        click(&browser, Locator::Css("details.agent > summary")).await;
        click(&browser, Locator::Id("f-for_someone_else")).await;
        click(&browser, Locator::Css("button[type=submit]")).await;
        wait_for(&browser, Locator::Id("error-summary")).await;
        for v in crate::axe::violations(&browser, &axe).await {
            problems.push(format!("errors at {width}px: {v}"));
        }
        // The browser-only opt-out's confirmation.
        browser
            .goto(&app.url("/requests/new/opt_out"))
            .await
            .unwrap();
        click(&browser, Locator::Id("browser-only-submit")).await;
        wait_text(&browser, Locator::Id("tracking-code"), "RD-").await;
        for v in crate::axe::violations(&browser, &axe).await {
            problems.push(format!("browser-only confirmation at {width}px: {v}"));
        }
    }

    // Staff: the intake form, with errors, the confirmation, the letter, the request.
    sign_in(&browser, &app, "rev@example.com", "reviewer password").await;
    wait_for(&browser, Locator::Css("table.queue")).await;
    problems.extend(
        check_widths(
            &browser,
            &axe,
            &app.url("/staff/requests/new"),
            "staff intake",
        )
        .await,
    );
    let mut code = String::new();
    for (width, height) in [(390, 844), (1280, 900)] {
        browser.set_window_size(width, height).await.unwrap();
        browser.goto(&app.url("/staff/requests/new")).await.unwrap();
        click(
            &browser,
            Locator::Css("form[action='/staff/requests/new'] button"),
        )
        .await;
        wait_for(&browser, Locator::Id("error-summary")).await;
        for v in crate::axe::violations(&browser, &axe).await {
            problems.push(format!("staff intake errors at {width}px: {v}"));
        }
        click(&browser, Locator::Id("f-kind-delete")).await;
        click(&browser, Locator::Id("f-channel-phone")).await;
        type_into(&browser, "f-full_name", "Rosa Díaz").await;
        type_into(&browser, "f-address", "9 Elm St, Fresno, CA 93650").await;
        click(
            &browser,
            Locator::Css("form[action='/staff/requests/new'] button"),
        )
        .await;
        code = wait_text(&browser, Locator::Id("tracking-code"), "RD-").await;
        for v in crate::axe::violations(&browser, &axe).await {
            problems.push(format!("staff intake done at {width}px: {v}"));
        }
    }
    problems.extend(
        check_widths(
            &browser,
            &axe,
            &app.url(&format!("/staff/requests/{code}/letter")),
            "letter",
        )
        .await,
    );
    problems.extend(
        check_widths(
            &browser,
            &axe,
            &app.url(&format!("/staff/requests/{code}")),
            "staff request",
        )
        .await,
    );
    browser.close().await.unwrap();
    assert!(problems.is_empty(), "axe found:\n{}", problems.join("\n"));
}

/// The id of the element that has the focus.
async fn focused_id(browser: &Client) -> String {
    browser
        .execute(
            "return document.activeElement ? document.activeElement.id : '';",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// Presses a key where the focus is, as a keyboard user does.
async fn press(browser: &Client, keys: &str) {
    browser
        .active_element()
        .await
        .unwrap()
        .send_keys(keys)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_keyboard_user_files_a_deletion_after_an_error() {
    let app = spawn_app().await;
    let (_driver, browser) = start_browser().await;
    browser
        .goto(&app.url("/requests/new/delete"))
        .await
        .unwrap();
    // Tab from the top of the page to the name field, type, and send with Enter,
    // leaving the e-mail address out.
    let mut tabs = 0;
    while focused_id(&browser).await != "f-full_name" {
        press(&browser, &fantoccini::key::Key::Tab.to_string()).await;
        tabs += 1;
        assert!(tabs < 20, "Tab never reached the name field");
    }
    press(&browser, "Ana López").await;
    press(&browser, &fantoccini::key::Key::Enter.to_string()).await;

    // The page comes back with the focus on the error summary, no script needed.
    wait_for(&browser, Locator::Id("error-summary")).await;
    assert_eq!(focused_id(&browser).await, "error-summary");
    let links = browser
        .find_all(Locator::Css("#error-summary a"))
        .await
        .unwrap();
    let mut targets = Vec::new();
    for link in &links {
        targets.push(link.attr("href").await.unwrap().unwrap_or_default());
    }
    assert_eq!(
        targets,
        ["#f-email", "#f-california_resident"],
        "in the fields' order"
    );
    // Tab goes through the summary's links, then to the fields.
    let mut tabs = 0;
    while focused_id(&browser).await != "f-email" {
        press(&browser, &fantoccini::key::Key::Tab.to_string()).await;
        tabs += 1;
        assert!(tabs < 10, "Tab never reached the e-mail field");
    }
    press(&browser, "ana@example.com").await;
    let mut tabs = 0;
    while focused_id(&browser).await != "f-california_resident" {
        press(&browser, &fantoccini::key::Key::Tab.to_string()).await;
        tabs += 1;
        assert!(tabs < 10, "Tab never reached the residency box");
    }
    press(&browser, " ").await;
    press(&browser, &fantoccini::key::Key::Tab.to_string()).await;
    let mut tabs = 0;
    while focused_id(&browser).await != "send-request" {
        press(&browser, &fantoccini::key::Key::Tab.to_string()).await;
        tabs += 1;
        assert!(tabs < 20, "Tab never reached the button");
    }
    press(&browser, &fantoccini::key::Key::Enter.to_string()).await;
    let code = wait_text(&browser, Locator::Id("tracking-code"), "RD-").await;
    browser.close().await.unwrap();
    let email: String = sqlx::query_scalar("SELECT email FROM requests WHERE tracking_code = $1")
        .bind(&code)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(email, "ana@example.com");
}

#[tokio::test]
async fn on_a_phone_the_opt_out_buttons_come_right_after_the_consumers_fields() {
    let app = spawn_app().await;
    let (_driver, browser) = start_browser().await;
    browser.set_window_size(390, 844).await.unwrap();
    browser
        .goto(&app.url("/requests/new/opt_out"))
        .await
        .unwrap();
    let layout = browser
        .execute(
            "const top = id => document.getElementById(id).getBoundingClientRect().top + window.scrollY;
             const bottom = id => document.getElementById(id).getBoundingClientRect().bottom + window.scrollY;
             return {
               viewport: window.innerHeight,
               browserOnly: bottom('browser-only-submit'),
               name: bottom('f-full_name'),
               submit: top('with-email-submit'),
               submitBottom: bottom('with-email-submit'),
               agent: document.querySelector('details.agent').getBoundingClientRect().top + window.scrollY,
               agentOpen: document.querySelector('details.agent').open,
             };",
            vec![],
        )
        .await
        .unwrap();
    browser.close().await.unwrap();
    let n = |k: &str| layout[k].as_f64().unwrap();
    assert!(
        n("browserOnly") <= n("viewport"),
        "the no-details button is on the first screen: {layout}"
    );
    assert!(n("submit") > n("name"), "{layout}");
    assert!(
        n("submit") - n("name") < 80.0,
        "the e-mail form's button follows its last field: {layout}"
    );
    assert!(
        n("submitBottom") < n("agent"),
        "filing for someone else comes after: {layout}"
    );
    assert_eq!(layout["agentOpen"], false, "closed until asked for");
}

/// axe on the page the browser shows now, at a phone's width and a desktop's, with the
/// page's language checked too.
async fn check_here(browser: &Client, axe: &str, lang: &str, label: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let shown: String = browser
        .execute("return document.documentElement.lang;", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string();
    if shown != lang {
        problems.push(format!("{label}: <html lang={shown:?}>, not {lang:?}"));
    }
    for (width, height) in [(390, 844), (1280, 900)] {
        browser.set_window_size(width, height).await.unwrap();
        for v in crate::axe::violations(browser, axe).await {
            problems.push(format!("{label} at {width}px: {v}"));
        }
    }
    problems
}

/// Every page a consumer sees, in English and in Spanish, at a phone's width and a
/// desktop's: the list of rights, every form empty and with errors, the confirmations,
/// the receipt's link, the status page, the snippet page and an error page.
#[tokio::test]
async fn every_consumer_page_passes_axe_in_english_and_in_spanish() {
    let smtp = crate::support::SmtpServer::start().await;
    let app = crate::support::spawn_app_with(|s| {
        s.smtp_url = Some(smtp.url());
        s.business.phone = "+1 (800) 555-0199".into();
        s.business.email = "privacy@acme.example".into();
        s.business.postal_address = "1 Market St\nSan Francisco, CA 94105".into();
    })
    .await;
    let axe = crate::axe::source();
    let (_driver, browser) = start_browser().await;
    let mut problems = Vec::new();
    let mut sent = 0;

    for (lang, email) in [("en", "ana.en@example.com"), ("es", "ana.es@example.com")] {
        // The choice is remembered in a cookie: every later page is in `lang`.
        browser
            .goto(&app.url(&format!("/?lang={lang}")))
            .await
            .unwrap();
        let mut paths = vec![
            "/".to_string(),
            "/status".into(),
            "/privacy-choices".into(),
            "/no-such-page".into(),
            "/requests/new/shine_the_light".into(),
            // Links that no longer work, as a consumer opens them from an old e-mail.
            "/verify/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
            "/download/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
            "/agent/status/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
            "/drp/verify?request_id=unknown".into(),
        ];
        paths.extend(
            rightsdesk::domain::kinds::RequestKind::RIGHTS
                .iter()
                .map(|k| format!("/requests/new/{k}")),
        );
        for path in &paths {
            browser.goto(&app.url(path)).await.unwrap();
            problems.extend(check_here(&browser, &axe, lang, &format!("{path} ({lang})")).await);
        }

        // A form sent back with errors, then filed.
        browser
            .goto(&app.url("/requests/new/delete"))
            .await
            .unwrap();
        click(&browser, Locator::Id("send-request")).await;
        wait_for(&browser, Locator::Id("error-summary")).await;
        problems.extend(check_here(&browser, &axe, lang, &format!("errors ({lang})")).await);
        type_into(&browser, "f-full_name", "Ana López").await;
        type_into(&browser, "f-email", email).await;
        click(&browser, Locator::Id("f-california_resident")).await;
        click(&browser, Locator::Id("send-request")).await;
        let code = wait_text(&browser, Locator::Id("tracking-code"), "RD-").await;
        problems.extend(check_here(&browser, &axe, lang, &format!("confirmation ({lang})")).await);

        // The receipt's link: the page that confirms the address, and what follows.
        app.worker.deliver_all().await.unwrap();
        sent += 1;
        let mail = smtp.wait_for(sent).await;
        let receipt = mail
            .iter()
            .find(|m| crate::support::text_part(m).contains(&code))
            .expect("the receipt");
        let link = crate::support::verify_link(receipt);
        browser.goto(&app.url(&link)).await.unwrap();
        problems.extend(
            check_here(
                &browser,
                &axe,
                lang,
                &format!("the receipt's link ({lang})"),
            )
            .await,
        );
        click(&browser, Locator::Css("main form button[type=submit]")).await;
        wait_for(&browser, Locator::Css("main h1")).await;
        problems
            .extend(check_here(&browser, &axe, lang, &format!("address confirmed ({lang})")).await);

        // The request's status.
        browser.goto(&app.url("/status")).await.unwrap();
        type_into(&browser, "f-tracking_code", &code).await;
        type_into(&browser, "f-email", email).await;
        click(&browser, Locator::Css("main form button[type=submit]")).await;
        wait_text(&browser, Locator::Css("main"), &code).await;
        problems.extend(check_here(&browser, &axe, lang, &format!("the status ({lang})")).await);

        // The opt-out recorded for this browser only.
        browser
            .goto(&app.url("/requests/new/opt_out"))
            .await
            .unwrap();
        click(&browser, Locator::Id("browser-only-submit")).await;
        wait_text(&browser, Locator::Id("tracking-code"), "RD-").await;
        problems.extend(
            check_here(
                &browser,
                &axe,
                lang,
                &format!("browser-only confirmation ({lang})"),
            )
            .await,
        );
    }

    // Links that still work: a response package's download page, an opt-in waiting for
    // the consumer's answer, and the status page an agent's receipt links to. Opening
    // them spends nothing.
    let staff = app.admin().await;
    let (_, download) = crate::downloads::fulfilled_copy(&app, &staff).await;
    let opt_in = crate::opt_in::agent_asks_by_smtp(&app, &smtp, "sale:opt_in")
        .await
        .link;
    let filed = crate::agents::file(
        &app,
        rightsdesk::domain::kinds::RequestKind::Delete,
        crate::agents::agent_form(
            rightsdesk::domain::kinds::RequestKind::Delete,
            "signed_permission",
            Some(crate::agents::PDF),
        ),
    )
    .await;
    assert_eq!(filed.status(), 200);
    let receipt = crate::support::sent_mail(&app, "agent_receipt").await;
    let agent_status = crate::agents::link_in(&receipt, "/agent/status/");
    for lang in ["en", "es"] {
        browser
            .goto(&app.url(&format!("/?lang={lang}")))
            .await
            .unwrap();
        // Each is the live page, not the one for a spent link: the first two ask for
        // something (the e-mailed code, the consumer's answer), the third shows the code.
        for (what, path, live) in [
            ("download page", &download, "main form"),
            ("pending opt-in", &opt_in, "main form"),
            ("agent status", &agent_status, "main"),
        ] {
            browser.goto(&app.url(path)).await.unwrap();
            wait_for(&browser, Locator::Css(live)).await;
            if what == "agent status" {
                wait_text(&browser, Locator::Css("main"), "RD-").await;
            }
            problems.extend(check_here(&browser, &axe, lang, &format!("{what} ({lang})")).await);
        }
    }
    browser.close().await.unwrap();
    assert!(problems.is_empty(), "axe found:\n{}", problems.join("\n"));
}

/// Every staff page an admin opens, at a phone's width and a desktop's. Staff pages are
/// in English whatever the consumer's language; a Spanish request's pages included.
#[tokio::test]
async fn every_staff_page_passes_axe() {
    let app = spawn_app().await;
    app.add_staff("admin@example.com", "admin", "admin password")
        .await;
    let deletion = crate::support::tracking_code_in(
        &app.post_form(
            "/requests/new/delete?lang=es",
            &[
                ("full_name", "Ana López"),
                ("email", "ana@example.com"),
                ("california_resident", "yes"),
            ],
        )
        .await
        .text()
        .await
        .unwrap(),
    );
    let stl = crate::support::tracking_code_in(
        &app.post_form(
            "/requests/new/shine_the_light",
            &[("full_name", "Ana López"), ("email", "ana@example.com")],
        )
        .await
        .text()
        .await
        .unwrap(),
    );
    // A member still to choose a password: the staff list offers to invite them again.
    sqlx::query(
        "INSERT INTO staff_users (email, role, created_at) VALUES ('invited@example.com', 'reviewer', now())",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let axe = crate::axe::source();
    let (_driver, browser) = start_browser().await;
    let mut problems = Vec::new();

    browser.goto(&app.url("/staff/login")).await.unwrap();
    problems.extend(check_here(&browser, &axe, "en", "/staff/login").await);
    sign_in(&browser, &app, "admin@example.com", "admin password").await;
    wait_for(&browser, Locator::Css("main h1")).await;

    let paths = [
        "/staff".to_string(),
        "/staff/requests".into(),
        "/staff/requests?q=ana&sort=name".into(),
        "/staff/requests/new".into(),
        format!("/staff/requests/{deletion}"),
        format!("/staff/requests/{deletion}/record"),
        format!("/staff/requests/{stl}"),
        "/staff/shine-the-light".into(),
        "/staff/users".into(),
        "/staff/agents".into(),
        "/staff/recipients".into(),
        "/staff/tokens".into(),
        "/staff/templates".into(),
        "/staff/metrics".into(),
        "/staff/help".into(),
        "/staff/account".into(),
    ];
    for path in &paths {
        browser.goto(&app.url(path)).await.unwrap();
        problems.extend(check_here(&browser, &axe, "en", path).await);
    }
    browser.close().await.unwrap();
    assert!(problems.is_empty(), "axe found:\n{}", problems.join("\n"));
}
