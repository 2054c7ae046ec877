//! The legal clocks, with time moved forward: reminders, closures, overdue alerts,
//! opt-outs applied, the digest, and nothing done twice.

use chrono::{Duration, NaiveDate};
use rightsdesk::domain::kinds::RequestKind;
use rightsdesk::worker::SweepReport;
use sqlx::Row;

use crate::support::{
    SmtpServer, event_of, header, mail_about, spawn_app_alerting_staff, spawn_app_with, status_of,
    text_part, verify_link,
};

#[tokio::test]
async fn an_unverified_request_is_reminded_once_on_day_3_with_a_fresh_link() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|s| s.smtp_url = Some(smtp.url())).await;
    let code = app.file(RequestKind::Delete, &[]).await;
    app.worker.deliver_all().await.unwrap();
    let receipt_link = verify_link(&smtp.wait_for(1).await[0]);

    app.clock.advance(Duration::days(2) + Duration::hours(23));
    assert_eq!(
        app.worker.sweep().await.unwrap(),
        SweepReport::default(),
        "not before day 3"
    );

    app.clock.advance(Duration::hours(1) + Duration::minutes(1));
    let report = app.worker.sweep().await.unwrap();
    assert_eq!(report.reminders, 1);
    assert_eq!(app.worker.sweep().await.unwrap().reminders, 0, "only once");
    app.clock.advance(Duration::days(1));
    assert_eq!(
        app.worker.sweep().await.unwrap().reminders,
        0,
        "not the next day either"
    );

    app.worker.deliver_all().await.unwrap();
    let mail = smtp.wait_for(2).await;
    let reminder = mail_about(&mail, &code, "Reminder");
    assert_eq!(reminder.len(), 1);
    let text = text_part(reminder[0]);
    assert!(text.contains("confirm your e-mail address"));
    let fresh = verify_link(reminder[0]);
    assert_ne!(fresh, receipt_link);
    assert!(
        app.post_form(&fresh, &[])
            .await
            .text()
            .await
            .unwrap()
            .contains("confirmed")
    );
    assert_eq!(
        event_of(&app, &code, "email_verified").await.data["data_point"],
        "email"
    );
    // The consumer's own link is used: no second reminder however long it waits.
    app.clock.advance(Duration::days(10));
    assert_eq!(app.worker.sweep().await.unwrap().reminders, 0);
}

#[tokio::test]
async fn still_unverified_on_day_45_the_request_is_closed_with_a_notice() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|s| s.smtp_url = Some(smtp.url())).await;
    let copy = app.file(RequestKind::KnowSpecific, &[]).await;
    let delete = app.file(RequestKind::Delete, &[]).await;
    let respond_by: NaiveDate =
        sqlx::query_scalar("SELECT respond_by FROM requests WHERE tracking_code = $1")
            .bind(&copy)
            .fetch_one(&app.db)
            .await
            .unwrap();

    // The day before the deadline: reminded, not closed.
    app.advance_to_noon_on(respond_by - Duration::days(1));
    let report = app.worker.sweep().await.unwrap();
    assert_eq!((report.closed_unverified, report.reminders), (0, 2));

    // The deadline day is the consumer's to the end, in the business's time zone.
    app.clock.advance(Duration::days(1));
    assert_eq!(app.worker.sweep().await.unwrap().closed_unverified, 0);
    app.advance_to_noon_on(respond_by + Duration::days(1));
    let report = app.worker.sweep().await.unwrap();
    assert_eq!(report.closed_unverified, 2);
    assert_eq!(app.worker.sweep().await.unwrap().closed_unverified, 0);
    for code in [&copy, &delete] {
        assert_eq!(status_of(&app, code).await, "closed_unverified");
    }
    let event = event_of(&app, &copy, "closed_unverified").await;
    assert_eq!(event.data["handled_as"], "know_categories");

    app.worker.deliver_all().await.unwrap();
    let mail = smtp.wait_for(6).await;
    let notice = mail_about(&mail, &copy, "identity not verified");
    assert_eq!(notice.len(), 1);
    let text = text_part(notice[0]);
    assert!(text.contains("could not verify your identity"));
    assert!(text.contains("categories"));
    assert_eq!(mail_about(&mail, &delete, "identity not verified").len(), 1);

    // The consumer's status page says so too.
    let status = app
        .post_form(
            "/status",
            &[
                ("tracking_code", &delete),
                ("email", "ana.lopez@example.com"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(status.contains("Closed: identity could not be verified"));
}

#[tokio::test]
async fn an_open_request_past_its_deadline_alerts_staff_once() {
    let smtp = SmtpServer::start().await;
    // No digest in this test.
    let app = spawn_app_alerting_staff(&smtp, 24).await;
    let code = app.file(RequestKind::Correct, &[]).await;
    app.worker.deliver_all().await.unwrap();
    let link = verify_link(&smtp.wait_for(1).await[0]);
    app.post_form(&link, &[]).await;
    app.admin().await.match_points(&code, &["name"]).await;
    assert_eq!(status_of(&app, &code).await, "verified");

    app.clock.advance(Duration::days(45));
    assert_eq!(
        app.worker.sweep().await.unwrap().overdue_alerts,
        0,
        "due today is not overdue"
    );
    app.clock.advance(Duration::days(1));
    assert_eq!(app.worker.sweep().await.unwrap().overdue_alerts, 1);
    assert_eq!(
        app.worker.sweep().await.unwrap().overdue_alerts,
        0,
        "only once"
    );

    app.worker.deliver_all().await.unwrap();
    let mail = smtp.wait_for(2).await;
    let alert: Vec<_> = mail
        .iter()
        .filter(|m| header(m, "Subject").unwrap().starts_with("Overdue"))
        .collect();
    assert_eq!(alert.len(), 1);
    assert!(
        header(alert[0], "To")
            .unwrap()
            .contains("privacy-team@example.com")
    );
    let text = text_part(alert[0]);
    assert!(text.contains(&code));
    assert!(
        !text.contains("ana.lopez"),
        "no personal data in staff alerts"
    );
    let recorded: i64 =
        sqlx::query_scalar("SELECT count(*) FROM request_events WHERE action = 'became_overdue'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(recorded, 1);
}

#[tokio::test]
async fn opt_out_and_limit_are_applied_well_inside_15_business_days_and_confirmed() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|s| s.smtp_url = Some(smtp.url())).await;
    let opt_out = app.file(RequestKind::OptOut, &[]).await;
    let limit = app.file(RequestKind::LimitSensitive, &[]).await;

    let report = app.worker.sweep().await.unwrap();
    assert_eq!(report.opt_outs_applied, 2);
    assert_eq!(app.worker.sweep().await.unwrap().opt_outs_applied, 0);

    for code in [&opt_out, &limit] {
        let row = sqlx::query("SELECT status, closed_at, comply_by, received_at FROM requests WHERE tracking_code = $1")
            .bind(code)
            .fetch_one(&app.db)
            .await
            .unwrap();
        assert_eq!(row.get::<String, _>("status"), "fulfilled");
        let closed: chrono::DateTime<chrono::Utc> = row.get::<Option<_>, _>("closed_at").unwrap();
        let comply_by: NaiveDate = row.get::<Option<_>, _>("comply_by").unwrap();
        assert!(closed.date_naive() <= comply_by);
        let trail: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT e.from_status, e.to_status FROM request_events e JOIN requests r ON r.id = e.request_id
             WHERE r.tracking_code = $1 ORDER BY e.id",
        )
        .bind(code)
        .fetch_all(&app.db)
        .await
        .unwrap();
        let steps: Vec<_> = trail
            .iter()
            .map(|(_, to)| to.clone().unwrap_or_default())
            .collect();
        assert_eq!(steps, ["received", "in_progress", "fulfilled"]);
    }
    let listed: Vec<(String, String)> =
        sqlx::query_as("SELECT email, scope FROM opt_outs ORDER BY scope")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(
        listed,
        [
            (
                "ana.lopez@example.com".to_string(),
                "sale_sharing".to_string()
            ),
            (
                "ana.lopez@example.com".to_string(),
                "sensitive_use".to_string()
            )
        ]
    );

    app.worker.deliver_all().await.unwrap();
    let mail = smtp.wait_for(4).await;
    assert_eq!(mail_about(&mail, &opt_out, "applied").len(), 1);
    assert_eq!(mail_about(&mail, &limit, "applied").len(), 1);
    assert!(
        text_part(mail_about(&mail, &opt_out, "applied")[0]).contains("no longer sell or share")
    );
}

#[tokio::test]
async fn the_daily_digest_goes_out_once_a_day_with_what_is_due() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_alerting_staff(&smtp, 0).await;
    let code = app.file(RequestKind::Delete, &[]).await;
    app.clock.advance(Duration::days(40));
    let report = app.worker.sweep().await.unwrap();
    assert_eq!(report.digests, 1);
    assert_eq!(app.worker.sweep().await.unwrap().digests, 0, "once a day");
    app.clock.advance(Duration::days(1));
    assert_eq!(
        app.worker.sweep().await.unwrap().digests,
        1,
        "and again the next day"
    );

    app.worker.deliver_all().await.unwrap();
    let mail = smtp.wait_for(3).await;
    let digests: Vec<_> = mail
        .iter()
        .filter(|m| header(m, "Subject").unwrap().contains("digest"))
        .collect();
    assert_eq!(digests.len(), 2);
    let text = text_part(digests[0]);
    assert!(text.contains(&code));
    assert!(text.contains("not verified yet"));
}
