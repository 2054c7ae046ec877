//! The `requests` aggregate: a request, its audit events and its attachments.

use std::sync::{Arc, LazyLock};

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::deadlines::Deadlines;
use crate::domain::email::EmailAddress;
use crate::domain::intake::{Document, NewRequest};
use crate::domain::kinds::{Channel, LinkPurpose, RequestKind, RequestStatus};
use crate::domain::lang::Lang;
use crate::domain::tracking::TrackingCode;
use crate::mail::ToQueue;
use crate::store::outbox::{SUPPRESSED_DATA, UNSOLICITED_ADDRESS, UNSOLICITED_DAY};

pub const TRACKING_CODE_KEY: &str = "requests_tracking_code_key";
pub const ID_KEY: &str = "requests_pkey";

/// Everything one new request writes: its row, its first event and, where there is
/// one, its receipt and the hash of its verification link. Owned, so it can be handed
/// to the [`Inserter`](super::inserter::Inserter) that writes many at once.
pub struct Insert {
    /// Chosen by the portal: time-ordered, so new rows go to the end of every index
    /// keyed by request.
    pub id: Uuid,
    pub request: Arc<NewRequest>,
    pub tracking_code: TrackingCode,
    pub kind: RequestKind,
    pub status: RequestStatus,
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    pub deadlines: Deadlines,
    /// Rendered now, or (intake's receipts) rendered by the worker, which then creates
    /// its link.
    pub receipt: Option<ToQueue>,
    /// The hash of the verification link in a rendered receipt, and when it expires.
    pub verification: Option<([u8; 32], DateTime<Utc>)>,
    /// For a request filed through the Data Rights Protocol.
    pub drp: Option<DrpFields>,
}

/// The protocol's fields of a request an agent filed over DRP.
#[derive(Debug, Clone)]
pub struct DrpFields {
    pub agent_id: String,
    pub drp_request_id: Uuid,
    pub agent_request_id: Option<String>,
    pub regime: Option<String>,
    pub status_callback: Option<String>,
    /// Set when the agent's vouched claims already verify the request.
    pub verification_level: Option<&'static str>,
    /// The data points the agent vouched for, each recorded in the audit trail.
    pub vouched: Vec<&'static str>,
    /// Whether the agent is trusted: its vouched points are then matched data points
    /// (`data_point_recorded`), otherwise only its claims (`data_point_claimed`).
    pub trusted: bool,
    /// The hash of the signed body that filed the request, and when it expires: spent
    /// in the same statement, so a replayed body fails on
    /// [`USED_SIGNATURE_KEY`](super::drp::USED_SIGNATURE_KEY) and files nothing.
    pub signature: Option<([u8; 32], DateTime<Utc>)>,
}

/// A new id for a request.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// Writes one new request, all or nothing (see `insert_many`).
pub async fn insert(
    conn: &mut PgConnection,
    row: &Insert,
    unsolicited_per_day: i32,
) -> Result<(), sqlx::Error> {
    insert_many(conn, std::slice::from_ref(row), unsolicited_per_day).await
}

/// The statement of `insert_many`; each link's purpose comes from
/// `LinkPurpose::of_request`.
static INSERT_MANY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH input AS (
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                $6::text[], $7::text[], $8::text[], $9::text[], $10::bool[], $11::text[],
                $12::text[], $13::text[], $14::text[], $15::text[], $16::text[],
                $17::timestamptz[], $18::date[], $19::date[], $20::date[], $21::text[],
                $22::uuid[], $23::text[], $24::text[], $25::text[], $26::text[], $27::text[],
                $28::text[], $29::text[], $30::text[], $31::text[], $32::text[], $33::bytea[],
                $34::timestamptz[], $41::text[], $43::uuid[], $44::text[], $45::text[],
                $46::uuid[], $47::text[], $48::text[], $49::text[])
                AS t(id, tracking_code, kind, status, channel, email, full_name, phone, address,
                    california_resident, details, lookback, correction_field, current_value,
                    corrected_value, declaration_name, received_at, confirm_by, respond_by,
                    comply_by, agent_id, drp_request_id, agent_request_id, regime,
                    status_callback, verification_level, template, message_id, to_addr,
                    subject, body_text, body_html, token_hash, token_expires_at, token_purpose,
                    browser_id, response_format, response_format_note, entered_by,
                    received_note, language, params)
        ), mail AS (
            SELECT *, row_number() OVER (PARTITION BY mail_key, mail_day ORDER BY id) AS nth,
                count(*) OVER (PARTITION BY mail_key, mail_day) AS here
            FROM (
                SELECT *, {UNSOLICITED_ADDRESS} AS mail_key, {UNSOLICITED_DAY} AS mail_day
                FROM input WHERE template IS NOT NULL
            ) m
        ), counted AS (
            INSERT INTO unsolicited_mail AS u (address, day, messages)
            SELECT mail_key, mail_day, count(*) FROM mail GROUP BY mail_key, mail_day
            ON CONFLICT (address, day) DO UPDATE SET messages = u.messages + EXCLUDED.messages
            RETURNING address AS mail_key, day AS mail_day, messages
        ), decided AS (
            SELECT m.*, ($42 > 0 AND c.messages - m.here + m.nth > $42) AS suppressed
            FROM mail m JOIN counted c USING (mail_key, mail_day)
        ), r AS (
            INSERT INTO requests (id, tracking_code, kind, status, channel, email, full_name, phone,
                address, california_resident, details, lookback, correction_field, current_value,
                corrected_value, declaration_name, declaration_signed_at, received_at, confirm_by,
                respond_by, comply_by, agent_id, drp_request_id, agent_request_id, regime,
                status_callback, verified_at, verification_level, browser_id, response_format,
                response_format_note, entered_by, received_note, language)
            SELECT id, tracking_code, kind, status, channel, email, full_name, phone, address,
                california_resident, details, lookback, correction_field, current_value,
                corrected_value, declaration_name,
                CASE WHEN declaration_name IS NOT NULL THEN received_at END, received_at,
                confirm_by, respond_by, comply_by, agent_id, drp_request_id, agent_request_id,
                regime, status_callback, CASE WHEN status = 'verified' THEN received_at END,
                coalesce(verification_level, 'none'), browser_id, response_format,
                response_format_note, entered_by, received_note, language
            FROM input
        ), e AS (
            INSERT INTO request_events (request_id, at, actor_type, actor_id, action, to_status, data)
            SELECT request_id, at, actor_type, actor_id, action, to_status, data FROM (
                SELECT id AS request_id, 0 AS n, received_at AS at,
                    CASE WHEN channel = 'gpc' THEN 'system' WHEN channel = 'web' THEN 'consumer'
                        WHEN entered_by IS NOT NULL THEN 'staff' ELSE 'agent' END
                        AS actor_type,
                    coalesce(agent_id, entered_by::text) AS actor_id, 'submitted' AS action, status AS to_status,
                    jsonb_build_object('kind', kind, 'channel', channel) AS data
                FROM input
                UNION ALL
                SELECT i.id, 1, i.received_at, 'agent', i.agent_id, v.action, NULL,
                    jsonb_build_object('data_point', v.data_point,
                        CASE v.action WHEN 'data_point_recorded' THEN 'vouched_by_agent'
                            ELSE 'claimed_by_agent' END, true)
                FROM unnest($35::uuid[], $36::text[], $37::text[]) AS v(id, data_point, action)
                JOIN input i ON i.id = v.id
                UNION ALL
                SELECT id, 2, received_at, 'system', NULL, 'mail_suppressed', NULL,
                    {SUPPRESSED_DATA}
                FROM decided WHERE suppressed
            ) events
            ORDER BY request_id, n
        ), o AS (
            INSERT INTO outbox (request_id, template, message_id, to_addr, subject, body_text,
                body_html, params, created_at, next_attempt_at)
            SELECT id, template, message_id, to_addr, subject, body_text, body_html,
                params::jsonb, received_at, received_at
            FROM decided WHERE NOT suppressed
        ), v AS (
            INSERT INTO verification_tokens (request_id, token_hash, created_at, expires_at, purpose)
            SELECT id, token_hash, received_at, token_expires_at, token_purpose
            FROM input WHERE token_hash IS NOT NULL
        ), s AS (
            INSERT INTO drp_used_signatures (message_hash, expires_at, request_id)
            SELECT * FROM unnest($38::bytea[], $39::timestamptz[], $40::uuid[])
        )
        SELECT 1"
    )
});

/// Writes new requests, each with its first events, receipt and verification link, in
/// one statement: all or nothing. One statement for many requests is what lets the
/// portal accept far more requests per second than it could commit one by one.
///
/// A receipt is unsolicited mail (nobody has shown control of the address yet): past
/// `unsolicited_per_day` such messages to one address in a day (0: no limit) it is not
/// queued, and the audit trail says so instead. The request itself stands. The count
/// is one upsert per address in the same statement (`store::outbox::UNSOLICITED`).
pub async fn insert_many(
    conn: &mut PgConnection,
    rows: &[Insert],
    unsolicited_per_day: i32,
) -> Result<(), sqlx::Error> {
    let mut c = Columns::default();
    for row in rows {
        c.push(row);
    }
    sqlx::query(sqlx::AssertSqlSafe(INSERT_MANY.as_str()))
        .bind(c.id)
        .bind(c.tracking_code)
        .bind(c.kind)
        .bind(c.status)
        .bind(c.channel)
        .bind(c.email)
        .bind(c.full_name)
        .bind(c.phone)
        .bind(c.address)
        .bind(c.california_resident)
        .bind(c.details)
        .bind(c.lookback)
        .bind(c.correction_field)
        .bind(c.current_value)
        .bind(c.corrected_value)
        .bind(c.declaration_name)
        .bind(c.received_at)
        .bind(c.confirm_by)
        .bind(c.respond_by)
        .bind(c.comply_by)
        .bind(c.agent_id)
        .bind(c.drp_request_id)
        .bind(c.agent_request_id)
        .bind(c.regime)
        .bind(c.status_callback)
        .bind(c.verification_level)
        .bind(c.template)
        .bind(c.message_id)
        .bind(c.to_addr)
        .bind(c.subject)
        .bind(c.body_text)
        .bind(c.body_html)
        .bind(c.token_hash)
        .bind(c.token_expires_at)
        .bind(c.vouched_id)
        .bind(c.vouched_point)
        .bind(c.vouched_action)
        .bind(c.signature_hash)
        .bind(c.signature_expires_at)
        .bind(c.signature_request_id)
        .bind(c.token_purpose)
        .bind(unsolicited_per_day)
        .bind(c.browser_id)
        .bind(c.response_format)
        .bind(c.response_format_note)
        .bind(c.entered_by)
        .bind(c.received_note)
        .bind(c.language)
        .bind(c.params)
        .execute(conn)
        .await?;
    Ok(())
}

/// The rows of an insert, column by column, as the statement's arrays.
#[derive(Default)]
struct Columns<'a> {
    id: Vec<Uuid>,
    tracking_code: Vec<&'a str>,
    kind: Vec<&'static str>,
    status: Vec<&'static str>,
    channel: Vec<&'static str>,
    email: Vec<Option<&'a str>>,
    full_name: Vec<Option<&'a str>>,
    phone: Vec<Option<&'a str>>,
    address: Vec<Option<&'a str>>,
    california_resident: Vec<bool>,
    details: Vec<Option<&'a str>>,
    lookback: Vec<Option<&'static str>>,
    correction_field: Vec<Option<&'a str>>,
    current_value: Vec<Option<&'a str>>,
    corrected_value: Vec<Option<&'a str>>,
    declaration_name: Vec<Option<&'a str>>,
    received_at: Vec<DateTime<Utc>>,
    confirm_by: Vec<Option<NaiveDate>>,
    respond_by: Vec<Option<NaiveDate>>,
    comply_by: Vec<Option<NaiveDate>>,
    agent_id: Vec<Option<&'a str>>,
    drp_request_id: Vec<Option<Uuid>>,
    agent_request_id: Vec<Option<&'a str>>,
    regime: Vec<Option<&'a str>>,
    status_callback: Vec<Option<&'a str>>,
    verification_level: Vec<Option<&'static str>>,
    template: Vec<Option<&'static str>>,
    message_id: Vec<Option<&'a str>>,
    to_addr: Vec<Option<&'a str>>,
    subject: Vec<Option<&'a str>>,
    body_text: Vec<Option<&'a str>>,
    body_html: Vec<Option<&'a str>>,
    /// A deferred message's parameters, as JSON text.
    params: Vec<Option<String>>,
    token_hash: Vec<Option<&'a [u8]>>,
    token_expires_at: Vec<Option<DateTime<Utc>>>,
    token_purpose: Vec<Option<&'static str>>,
    browser_id: Vec<Option<Uuid>>,
    response_format: Vec<Option<&'static str>>,
    response_format_note: Vec<Option<&'a str>>,
    entered_by: Vec<Option<Uuid>>,
    received_note: Vec<Option<&'a str>>,
    /// The data points agents vouched for: one pair per data point.
    vouched_id: Vec<Uuid>,
    vouched_point: Vec<&'static str>,
    vouched_action: Vec<&'static str>,
    /// The signed bodies DRP requests were filed with: one triple per request.
    signature_hash: Vec<&'a [u8]>,
    signature_expires_at: Vec<DateTime<Utc>>,
    signature_request_id: Vec<Uuid>,
    language: Vec<&'static str>,
}

impl<'a> Columns<'a> {
    fn push(&mut self, row: &'a Insert) {
        let r = &*row.request;
        let correction = r.correction.as_ref();
        let receipt = row.receipt.as_ref();
        let drp = row.drp.as_ref();
        self.id.push(row.id);
        self.language.push(r.language.code());
        self.tracking_code.push(row.tracking_code.as_str());
        self.kind.push(row.kind.code());
        self.status.push(row.status.code());
        self.channel.push(row.channel.code());
        self.email.push(r.email.as_ref().map(EmailAddress::as_str));
        self.browser_id.push(r.browser_id);
        let format = r.response_format.as_ref();
        self.response_format.push(format.map(|f| f.format.code()));
        self.response_format_note
            .push(format.and_then(|f| f.note.as_deref()));
        let staff = r.staff.as_ref();
        self.entered_by.push(staff.map(|s| s.entered_by));
        self.received_note
            .push(staff.and_then(|s| s.received_note.as_deref()));
        self.full_name.push(r.full_name.as_deref());
        self.phone.push(r.phone.as_deref());
        self.address.push(r.address.as_deref());
        self.california_resident.push(r.california_resident);
        self.details.push(r.details.as_deref());
        self.lookback.push(r.lookback.map(|l| l.code()));
        self.correction_field
            .push(correction.map(|c| c.field.as_str()));
        self.current_value
            .push(correction.and_then(|c| c.current_value.as_deref()));
        self.corrected_value
            .push(correction.map(|c| c.corrected_value.as_str()));
        self.declaration_name.push(r.declaration_name.as_deref());
        self.received_at.push(row.received_at);
        self.confirm_by.push(row.deadlines.confirm_by);
        self.respond_by.push(row.deadlines.respond_by);
        self.comply_by.push(row.deadlines.comply_by);
        self.agent_id.push(drp.map(|d| d.agent_id.as_str()));
        self.drp_request_id.push(drp.map(|d| d.drp_request_id));
        self.agent_request_id
            .push(drp.and_then(|d| d.agent_request_id.as_deref()));
        self.regime.push(drp.and_then(|d| d.regime.as_deref()));
        self.status_callback
            .push(drp.and_then(|d| d.status_callback.as_deref()));
        self.verification_level
            .push(drp.and_then(|d| d.verification_level));
        self.message_id.push(receipt.map(ToQueue::message_id));
        self.to_addr.push(receipt.map(ToQueue::to));
        let rendered = match receipt {
            Some(ToQueue::Rendered(m)) => Some(m),
            _ => None,
        };
        self.subject.push(rendered.map(|m| m.subject.as_str()));
        self.body_text.push(rendered.map(|m| m.text.as_str()));
        self.body_html.push(rendered.map(|m| m.html.as_str()));
        match receipt {
            Some(ToQueue::Rendered(m)) => {
                self.template.push(Some(m.template));
                self.params.push(m.params().map(|p| p.to_string()));
            }
            Some(ToQueue::Deferred { message, .. }) => {
                let (template, params) = message.to_row();
                self.template.push(Some(template));
                self.params.push(Some(params));
            }
            None => {
                self.template.push(None);
                self.params.push(None);
            }
        }
        self.token_hash
            .push(row.verification.as_ref().map(|(hash, _)| hash.as_slice()));
        self.token_expires_at
            .push(row.verification.as_ref().map(|(_, expires)| *expires));
        let purpose = LinkPurpose::of_request(row.kind, r.agent.as_ref().map(|a| a.authority));
        self.token_purpose.push(
            row.verification
                .as_ref()
                .and(purpose)
                .map(LinkPurpose::code),
        );
        if let Some(drp) = drp {
            let action = if drp.trusted {
                "data_point_recorded"
            } else {
                "data_point_claimed"
            };
            for point in &drp.vouched {
                self.vouched_id.push(row.id);
                self.vouched_point.push(point);
                self.vouched_action.push(action);
            }
            if let Some((hash, expires_at)) = &drp.signature {
                self.signature_hash.push(hash.as_slice());
                self.signature_expires_at.push(*expires_at);
                self.signature_request_id.push(row.id);
            }
        }
    }
}

pub async fn set_agent(
    conn: &mut PgConnection,
    request_id: Uuid,
    agent: &crate::domain::intake::AgentFiling,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE requests SET agent_name = $2, agent_organisation = $3, agent_email = $4, agent_authority = $5,
             agent_authority_state = 'pending',
             guardian_declared_at = CASE WHEN $5 = 'parent_guardian' THEN received_at END
         WHERE id = $1",
    )
    .bind(request_id)
    .bind(&agent.name)
    .bind(&agent.organisation)
    .bind(agent.email.as_str())
    .bind(agent.authority.code())
    .execute(conn)
    .await?;
    Ok(())
}

/// The agent's link to follow the request: created when the agent's receipt is sent.
pub async fn add_agent_access(
    conn: &mut PgConnection,
    request_id: Uuid,
    access_hash: &[u8],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO agent_status_links (token_hash, request_id, created_at) VALUES ($1, $2, $3)",
    )
    .bind(access_hash)
    .bind(request_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes the agent's link of a receipt that was not sent: nobody has it.
pub async fn remove_agent_access(
    conn: &mut PgConnection,
    access_hash: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM agent_status_links WHERE token_hash = $1")
        .bind(access_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Stores a document the consumer attached, with its SHA-256 for the record.
pub async fn insert_attachment(
    conn: &mut PgConnection,
    request_id: Uuid,
    purpose: &str,
    doc: &Document,
) -> Result<(), sqlx::Error> {
    use sha2::{Digest, Sha256};
    let digest = hex::encode(Sha256::digest(&doc.bytes));
    sqlx::query(
        "INSERT INTO attachments (request_id, purpose, filename, content_type, size_bytes, sha256, content)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(request_id)
    .bind(purpose)
    .bind(&doc.filename)
    .bind(doc.doc_type.mime())
    .bind(i32::try_from(doc.bytes.len()).unwrap_or(i32::MAX))
    .bind(digest)
    .bind(&doc.bytes)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether this address already has an opt-out of sale/sharing that is not closed
/// against it, so a GPC signal does not file a second one. An opt-out the consumer later
/// opted back in from no longer counts.
pub async fn has_opt_out(
    conn: &mut PgConnection,
    email: &EmailAddress,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM requests o WHERE lower(o.email) = lower($1) AND o.kind = 'opt_out'
             AND o.status NOT IN ('denied', 'withdrawn')
             AND NOT EXISTS (SELECT 1 FROM requests i WHERE lower(i.email) = lower($1) AND i.kind = 'opt_in'
                 AND i.status = 'fulfilled' AND i.closed_at >= o.received_at))",
    )
    .bind(email.as_str())
    .fetch_one(conn)
    .await
}

/// What a consumer may see of their own request on the status page.
#[derive(Debug, sqlx::FromRow)]
pub struct ConsumerView {
    pub id: Uuid,
    pub email: String,
    pub tracking_code: String,
    #[sqlx(try_from = "String")]
    pub kind: RequestKind,
    #[sqlx(try_from = "String")]
    pub status: RequestStatus,
    pub received_at: DateTime<Utc>,
    pub confirm_by: Option<NaiveDate>,
    pub respond_by: Option<NaiveDate>,
    pub extended_respond_by: Option<NaiveDate>,
    pub extension_reason: Option<String>,
    pub comply_by: Option<NaiveDate>,
    pub outcome_code: Option<String>,
    pub outcome_reason: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Whether the consumer gets a link at all (not with a power of attorney).
    pub agent_authority: Option<String>,
    /// Whether the consumer already answered their link (their address is confirmed).
    pub consumer_answered: bool,
    /// The language the request was filed in, which its e-mails use.
    #[sqlx(try_from = "String")]
    pub language: Lang,
}

/// What the status pages read; `consumer_answered` says whether the consumer has used
/// their own link (their address is then a matched point).
const CONSUMER_VIEW: &str = "SELECT id, email, tracking_code, kind, status, received_at, confirm_by,
        respond_by, extended_respond_by, extension_reason, comply_by, outcome_code, outcome_reason,
        closed_at, agent_authority, language,
        EXISTS (SELECT 1 FROM request_events e WHERE e.request_id = requests.id
                AND e.action IN ('email_verified', 'agent_authority_confirmed')) AS consumer_answered
    FROM requests";

/// A request by the token of its agent's status link.
pub async fn find_for_agent(
    pool: &PgPool,
    access_hash: &[u8],
) -> Result<Option<ConsumerView>, sqlx::Error> {
    let sql = format!(
        "{CONSUMER_VIEW} WHERE id = (SELECT request_id FROM agent_status_links WHERE token_hash = $1)"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(access_hash)
        .fetch_optional(pool)
        .await
}

/// A request by its tracking code, only when the e-mail address matches too.
pub async fn find_for_consumer(
    pool: &PgPool,
    code: &TrackingCode,
    email: &EmailAddress,
) -> Result<Option<ConsumerView>, sqlx::Error> {
    let sql = format!("{CONSUMER_VIEW} WHERE tracking_code = $1 AND lower(email) = lower($2)");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(code.as_str())
        .bind(email.as_str())
        .fetch_optional(pool)
        .await
}
