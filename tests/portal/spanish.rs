//! Spanish for consumers: the language comes from `?lang=` (remembered in a cookie) or
//! the browser's `Accept-Language`; the request keeps it, and every e-mail about it —
//! the receipt now, a reminder the worker sends days later — is written in it. The
//! business's contact details appear on every consumer page and e-mail.

use chrono::Duration;
use rightsdesk::config::Settings;
use rightsdesk::domain::kinds::RequestKind;

use crate::intake::valid_fields;
use crate::support::{
    SmtpServer, TestApp, cookie_client, spawn_app_with, text_part, tracking_code_in, verify_link,
};

const SPANISH_MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

/// A date written the Spanish way: "lunes, 30 de noviembre de 2026".
fn has_spanish_date(text: &str) -> bool {
    SPANISH_MONTHS
        .iter()
        .any(|m| text.contains(&format!(" de {m} de 20")))
}

fn with_contact(s: &mut Settings) {
    s.business.phone = "+1 (800) 555-0199".into();
    s.business.email = "privacy@acme.example".into();
    s.business.postal_address =
        "Acme Inc.\nAttn: Privacy\n1 Market St, San Francisco, CA 94105".into();
    s.business.privacy_policy_url = "https://acme.example/privacy".into();
}

async fn language_of(app: &TestApp, code: &str) -> String {
    sqlx::query_scalar("SELECT language FROM requests WHERE tracking_code = $1")
        .bind(code)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    client
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_request_filed_in_spanish_gets_spanish_pages_and_spanish_mail_even_days_later() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|s| s.smtp_url = Some(smtp.url())).await;
    let browser = cookie_client();

    // The switch sets the language, and the cookie remembers it on the next pages.
    let form = page(&browser, &app, "/requests/new/delete?lang=es").await;
    assert!(form.contains("<html lang=\"es\">"), "{form}");
    assert!(form.contains("Eliminar su información personal"));
    let status_page = page(&browser, &app, "/status").await;
    assert!(
        status_page.contains("<html lang=\"es\">"),
        "the cookie remembers"
    );
    assert!(status_page.contains("Consultar una solicitud"));

    let filed = browser
        .post(app.url("/requests/new/delete"))
        .form(&valid_fields(RequestKind::Delete))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(filed.contains("Recibimos su solicitud"), "{filed}");
    assert!(has_spanish_date(&filed), "dates in Spanish: {filed}");
    let code = tracking_code_in(&filed);
    assert_eq!(language_of(&app, &code).await, "es");

    app.worker.deliver_all().await.unwrap();
    let receipt = &smtp.wait_for(1).await[0];
    let text = text_part(receipt);
    assert!(
        text.starts_with("Hola:") || text.contains("\nHola:"),
        "{text}"
    );
    assert!(text.contains("Recibimos su solicitud: Eliminar su información personal."));
    assert!(text.contains("Respondemos a su solicitud a más tardar el"));
    assert!(has_spanish_date(&text), "{text}");
    assert!(!text.contains("We received"), "no English left: {text}");
    assert!(text.contains("<html lang=\"es\">"), "the HTML part too");

    // The link in a Spanish e-mail opens a Spanish page, even in a browser that has no
    // cookie and asks for nothing.
    let link = verify_link(receipt);
    let opened = page(&reqwest::Client::new(), &app, &link).await;
    assert!(
        opened.contains("Confirme su correo electrónico"),
        "{opened}"
    );

    // Three days later the worker reminds the consumer: in Spanish too.
    app.clock.advance(Duration::days(3) + Duration::minutes(1));
    assert_eq!(app.worker.sweep().await.unwrap().reminders, 1);
    app.worker.deliver_all().await.unwrap();
    let mail = smtp.wait_for(2).await;
    // The order the server hands them back in is not the order they were sent in.
    let reminder = mail
        .iter()
        .map(|m| text_part(m))
        .find(|m| !m.contains("Subject: Recibimos"))
        .expect("the reminder");
    assert!(
        reminder.contains("No podemos seguir adelante hasta que confirme su correo electrónico"),
        "{reminder}"
    );
    assert!(reminder.contains("a más tardar el"));
    assert!(has_spanish_date(&reminder), "{reminder}");
}

#[tokio::test]
async fn a_browser_that_prefers_spanish_files_in_spanish_without_choosing() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|s| s.smtp_url = Some(smtp.url())).await;
    let spanish = reqwest::Client::builder()
        .default_headers(
            [(
                reqwest::header::ACCEPT_LANGUAGE,
                "es-MX,es;q=0.9,en;q=0.5".parse().unwrap(),
            )]
            .into_iter()
            .collect(),
        )
        .build()
        .unwrap();

    let home = page(&spanish, &app, "/").await;
    assert!(home.contains("<html lang=\"es\">"));
    assert!(home.contains("No vender ni compartir mi información personal"));

    let filed = spanish
        .post(app.url("/requests/new/opt_out"))
        .form(&valid_fields(RequestKind::OptOut))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        filed.contains("No hace falta verificar su identidad."),
        "{filed}"
    );
    let code = tracking_code_in(&filed);
    assert_eq!(language_of(&app, &code).await, "es");

    app.worker.deliver_all().await.unwrap();
    let text = text_part(&smtp.wait_for(1).await[0]);
    assert!(text.contains("para esta solicitud no necesitamos verificar su identidad"));

    // A browser that asks for nothing gets English, and its request stays English.
    let english = app
        .post_form("/requests/new/opt_out", &valid_fields(RequestKind::OptOut))
        .await
        .text()
        .await
        .unwrap();
    assert!(english.contains("<html lang=\"en\">"));
    assert_eq!(language_of(&app, &tracking_code_in(&english)).await, "en");
}

#[tokio::test]
async fn the_switch_links_to_the_same_page_and_query_in_the_other_language() {
    let app = spawn_app_with(|_| {}).await;
    let english = app
        .get("/requests/new/know_categories")
        .await
        .text()
        .await
        .unwrap();
    assert!(english.contains(
        "href=\"/requests/new/know_categories?lang=es\" lang=\"es\" hreflang=\"es\">Español</a>"
    ));
    let spanish = app
        .get("/drp/verify?request_id=x&lang=es")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        spanish.contains("href=\"/drp/verify?request_id=x&#38;lang=en\""),
        "{spanish}"
    );
    assert!(spanish.contains(">English</a>"));
    // Choosing with `?lang=` sets a cookie that outlives the visit, HttpOnly, Lax.
    let chosen = app.get("/status?lang=es").await;
    let cookie = chosen
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("rd_lang="))
        .expect("the choice is remembered");
    assert!(cookie.starts_with("rd_lang=es;"), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    // Staff pages stay in English and set nothing.
    let staff = app.get("/staff/login?lang=es").await;
    assert!(
        staff
            .headers()
            .get(reqwest::header::SET_COOKIE)
            .is_none_or(|c| { !c.to_str().unwrap().starts_with("rd_lang") })
    );
}

#[tokio::test]
async fn error_pages_and_form_errors_speak_the_visitors_language() {
    let app = spawn_app_with(|_| {}).await;
    let missing = app.get("/no-such-page?lang=es").await;
    assert_eq!(missing.status(), 404);
    let body = missing.text().await.unwrap();
    assert!(body.contains("No encontramos la página"), "{body}");
    assert!(body.contains("<html lang=\"es\">"));

    let refused = app
        .post_form(
            "/status?lang=es",
            &[("tracking_code", "nope"), ("email", "x")],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let body = refused.text().await.unwrap();
    assert!(body.contains("Corrija estos 2 problemas"), "{body}");
    assert!(body.contains("Escriba el código de seguimiento de su comprobante"));
    assert!(body.contains("Escriba un correo electrónico como nombre@ejemplo.com."));
}

#[tokio::test]
async fn the_business_contact_details_appear_on_every_consumer_page_and_in_mail() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|s| {
        s.smtp_url = Some(smtp.url());
        with_contact(s);
    })
    .await;
    for path in ["/", "/status", "/requests/new/delete", "/no-such-page"] {
        let body = app.get(path).await.text().await.unwrap();
        assert!(body.contains("id=\"business-contact\""), "{path}");
        assert!(
            body.contains("href=\"tel:+18005550199\">+1 (800) 555-0199</a>"),
            "{path}"
        );
        assert!(
            body.contains("href=\"mailto:privacy@acme.example\""),
            "{path}"
        );
        assert!(
            body.contains("Acme Inc., Attn: Privacy, 1 Market St, San Francisco, CA 94105"),
            "{path}"
        );
        assert!(
            body.contains("href=\"https://acme.example/privacy\""),
            "{path}"
        );
    }
    let filed = app
        .post_form("/requests/new/delete", &valid_fields(RequestKind::Delete))
        .await
        .text()
        .await
        .unwrap();
    assert!(filed.contains("You can also reach us by phone at +1 (800) 555-0199"));
    app.worker.deliver_all().await.unwrap();
    let text = text_part(&smtp.wait_for(1).await[0]);
    assert!(
        text.contains(
            "Questions? You can also reach us by phone at +1 (800) 555-0199, by e-mail at \
             privacy@acme.example or by mail at Acme Inc., Attn: Privacy, 1 Market St, San \
             Francisco, CA 94105."
        ),
        "the receipt says how to reach the business: {text}"
    );
    assert!(
        text.contains("Phone: +1 (800) 555-0199"),
        "the footer: {text}"
    );
    assert!(text.contains("Privacy policy: https://acme.example/privacy"));

    // Without contact details, the footer has none of them.
    let bare = spawn_app_with(|_| {}).await;
    let body = bare.get("/").await.text().await.unwrap();
    assert!(!body.contains("business-contact"));
}

#[tokio::test]
async fn every_form_says_what_it_collects_why_and_for_how_long() {
    let app = spawn_app_with(|_| {}).await;
    for kind in RequestKind::RIGHTS {
        for (lang, says) in [("en", "24 months"), ("es", "24 meses")] {
            let body = app
                .get(&format!("/requests/new/{}?lang={lang}", kind.code()))
                .await
                .text()
                .await
                .unwrap();
            let notice = body
                .split("id=\"collection-notice\">")
                .nth(1)
                .unwrap_or_else(|| panic!("{kind:?} {lang}: no notice at collection"));
            assert!(notice.contains(says), "{kind:?} {lang}");
        }
    }
}
