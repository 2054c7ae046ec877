//! What a broken client or an attacker sends: a readable 4xx page, and nothing stored.

use crate::support::spawn_app;

#[tokio::test]
async fn garbage_bodies_get_4xx_and_store_nothing() {
    let app = spawn_app().await;
    let post = |content_type: &'static str, body: Vec<u8>| {
        app.client
            .post(app.url("/requests/new/delete"))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        // Binary data claiming to be a form.
        (
            "application/x-www-form-urlencoded",
            vec![0xFF, 0xFE, 0x00, 0x9F, 0x80, 0x3D, 0xC3],
            400,
        ),
        // Latin-1 text where UTF-8 is expected.
        (
            "application/x-www-form-urlencoded",
            b"full_name=Jos\xe9&email=j%40example.com&california_resident=yes".to_vec(),
            400,
        ),
        // Percent-escapes that decode to invalid UTF-8.
        (
            "application/x-www-form-urlencoded",
            b"full_name=%C3%28&email=j%40example.com&california_resident=yes".to_vec(),
            400,
        ),
        // Far too large.
        (
            "application/x-www-form-urlencoded",
            [b"details=".to_vec(), vec![b'a'; 200_000]].concat(),
            413,
        ),
        // Not a form at all.
        (
            "application/json",
            br#"{"email":"j@example.com"}"#.to_vec(),
            415,
        ),
        ("text/plain", b"hello".to_vec(), 415),
        // A multipart body with no valid boundary.
        ("multipart/form-data", b"--x\r\nnonsense".to_vec(), 400),
        (
            "multipart/form-data; boundary=zzz",
            b"--zzz\r\nContent-Disposition: form-data\r\n\r\nx".to_vec(),
            400,
        ),
    ];
    for (content_type, body, want) in cases {
        let response = post(content_type, body).await.unwrap();
        assert_eq!(response.status().as_u16(), want, "{content_type}");
        let page = response.text().await.unwrap();
        assert!(
            page.contains("<h1>"),
            "{content_type}: a page a person can read"
        );
    }
    let missing_type = app
        .client
        .post(app.url("/requests/new/delete"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(missing_type.status(), 415);
    assert_eq!(app.count("requests").await, 0);
    assert_eq!(app.count("outbox").await, 0);
}

#[tokio::test]
async fn unknown_kinds_and_pages_are_404_pages() {
    let app = spawn_app().await;
    for path in [
        "/requests/new/access",
        "/requests/new/",
        "/nope",
        "/requests/new/DELETE",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert!(response.text().await.unwrap().contains("Page not found"));
    }
    let response = app
        .post_form(
            "/requests/new/sell_everything",
            &[("email", "a@example.com")],
        )
        .await;
    assert_eq!(response.status(), 404);
    assert_eq!(app.count("requests").await, 0);
}

#[tokio::test]
async fn a_form_posted_from_another_site_is_refused() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/requests/new/opt_out"))
        .header("Origin", "https://evil.example")
        .form(&[("email", "victim@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let same_site = app
        .client
        .post(app.url("/requests/new/opt_out"))
        .header("Origin", format!("http://{}", app.addr))
        .form(&[("email", "me@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(same_site.status(), 200);
    assert_eq!(app.count("requests").await, 1);
}
