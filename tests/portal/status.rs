//! The status look-up: a tracking code and the e-mail address it was filed with.

use rightsdesk::domain::kinds::RequestKind;

use crate::intake::valid_fields;
use crate::support::{spawn_app, spawn_app_with, tracking_code_in};

#[tokio::test]
async fn the_right_pair_shows_that_request_and_nothing_else() {
    let app = spawn_app().await;
    let page = app
        .post_form("/requests/new/delete", &valid_fields(RequestKind::Delete))
        .await
        .text()
        .await
        .unwrap();
    let code = tracking_code_in(&page);
    let other = tracking_code_in(
        &app.post_form(
            "/requests/new/opt_out",
            &[("email", "someone.else@example.com")],
        )
        .await
        .text()
        .await
        .unwrap(),
    );

    // Typed loosely: lower case, spaces, a different case of address.
    let typed = code.to_lowercase().replace('-', " ");
    let response = app
        .post_form(
            "/status",
            &[
                ("tracking_code", &typed),
                ("email", "ANA.LOPEZ@example.com"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let page = response.text().await.unwrap();
    assert!(page.contains(&code));
    assert!(page.contains("Delete your personal information"));
    assert!(page.contains("Waiting for you to confirm your e-mail address"));
    assert!(page.contains("We answer your request by"));
    assert!(!page.contains(&other), "no other request appears");
    assert!(!page.contains("someone.else"));
}

#[tokio::test]
async fn wrong_pairs_get_one_neutral_message() {
    let app = spawn_app().await;
    let page = app
        .post_form("/requests/new/delete", &valid_fields(RequestKind::Delete))
        .await
        .text()
        .await
        .unwrap();
    let code = tracking_code_in(&page);

    let wrong_email = app
        .post_form(
            "/status",
            &[("tracking_code", &code), ("email", "intruder@example.com")],
        )
        .await;
    assert_eq!(wrong_email.status(), 404);
    let wrong_email = wrong_email.text().await.unwrap();
    let unknown_code = app
        .post_form(
            "/status",
            &[
                ("tracking_code", "RD-2222-2222"),
                ("email", "ana.lopez@example.com"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    let neutral = "We could not find a request with that tracking code and e-mail address.";
    assert!(wrong_email.contains(neutral) && unknown_code.contains(neutral));
    assert!(
        !wrong_email.contains("Delete your personal information"),
        "nothing about the request leaks"
    );

    let malformed = app
        .post_form("/status", &[("tracking_code", "hello"), ("email", "nope")])
        .await;
    assert_eq!(malformed.status(), 422);
    let malformed = malformed.text().await.unwrap();
    assert!(
        malformed.contains("id=\"f-tracking_code-error\"")
            && malformed.contains("id=\"f-email-error\"")
    );
    assert!(
        malformed.contains("value=\"hello\""),
        "typed values are kept"
    );
}

#[tokio::test]
async fn look_ups_are_rate_limited() {
    let app = spawn_app_with(|s| s.limits.status_lookups_per_minute = 3).await;
    for _ in 0..3 {
        let status = app
            .post_form(
                "/status",
                &[
                    ("tracking_code", "RD-2222-2222"),
                    ("email", "a@example.com"),
                ],
            )
            .await
            .status();
        assert_eq!(status, 404);
    }
    let response = app
        .post_form(
            "/status",
            &[
                ("tracking_code", "RD-2222-2222"),
                ("email", "a@example.com"),
            ],
        )
        .await;
    assert_eq!(response.status(), 429);
    assert!(response.text().await.unwrap().contains("Wait a minute"));
}
