//! The consumer's path in a real headless Chromium, driven over WebDriver.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use sqlx::Row;

use crate::support::spawn_app;

/// A chromedriver process of this test's own, stopped when dropped.
struct ChromeDriver {
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

async fn type_into(browser: &Client, id: &str, text: &str) {
    browser
        .find(Locator::Id(id))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

async fn click(browser: &Client, locator: Locator<'_>) {
    browser.find(locator).await.unwrap().click().await.unwrap();
}

/// The text of an element once it contains `expected`. After a click the old page may
/// still be showing, with an element of the same name and another text, or may go away
/// while it is read: both are waited out.
async fn wait_text(browser: &Client, locator: Locator<'_>, expected: &str) -> String {
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
async fn sign_in(browser: &Client, app: &crate::support::TestApp, email: &str, password: &str) {
    browser.goto(&app.url("/staff/login")).await.unwrap();
    type_into(browser, "f-email", email).await;
    type_into(browser, "f-password", password).await;
    click(browser, Locator::Css("button[type=submit]")).await;
}

async fn start_browser() -> (ChromeDriver, Client) {
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

    let first_row = browser
        .wait()
        .for_element(Locator::Css("table.queue tbody tr"))
        .await
        .unwrap();
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

    browser
        .wait()
        .for_element(Locator::Id("a-reason"))
        .await
        .unwrap()
        .send_keys("We need to search three archived systems.")
        .await
        .unwrap();
    click(
        &browser,
        Locator::XPath("//form[contains(@action, '/extend')]//button"),
    )
    .await;
    let trail = wait_text(&browser, Locator::Css("ol.trail"), "deadline extended").await;
    assert!(trail.contains("deadline extended"), "{trail}");
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
    let body: String =
        sqlx::query_scalar("SELECT body_text FROM outbox WHERE template = 'agent_confirmation'")
            .fetch_one(&app.db)
            .await
            .unwrap();
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
    browser
        .wait()
        .for_element(Locator::Css("table.queue"))
        .await
        .unwrap();
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
    let status = wait_text(&browser, Locator::Id("status"), "verified").await;
    assert!(status.starts_with("verified"), "{status}");
    browser.close().await.unwrap();
}
