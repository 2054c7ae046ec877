//! Reading a form body: URL-encoded, or multipart when a file is attached. Anything
//! else, anything too large and anything not UTF-8 is refused with a page.
//!
//! What costs nothing is checked before a byte of the body is read: the origin, the
//! sender's rate limit ([`LimitedForm`]), a declared length over the limit. Bodies
//! larger than a plain form are read a few at a time (`http.uploads_at_once`), so many
//! uploads at once wait in the kernel's buffers rather than in the portal's memory.

use std::marker::PhantomData;
use std::time::{Duration, Instant};

use anyhow::anyhow;
use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::{Request, header};
use futures_util::TryStreamExt;
use tokio::sync::OwnedSemaphorePermit;

use super::AppState;
use super::errors::AppError;
use super::ratelimit::{ClientIp, Limit};
use crate::domain::intake::{RawForm, Upload};
use crate::domain::lang::Msg;

/// How long a large body waits for its turn before the sender is asked to retry.
const UPLOAD_WAIT: Duration = Duration::from_secs(30);

/// Which files a form may carry, and how large each may be.
pub trait FileField: Send + Sync + 'static {
    const NAMES: &'static [&'static str];
    fn limit(settings: &crate::config::Settings) -> usize;
}

/// A consumer's files: correction evidence, an agent's signed permission.
pub struct Document;

impl FileField for Document {
    const NAMES: &'static [&'static str] = &["document", "permission"];
    fn limit(settings: &crate::config::Settings) -> usize {
        settings.http.upload_bytes
    }
}

/// A response package staff upload for a request to know.
pub struct Package;

impl FileField for Package {
    const NAMES: &'static [&'static str] = &["package"];
    fn limit(settings: &crate::config::Settings) -> usize {
        settings.responses.package_bytes
    }
}
/// Text fields of a multipart form are as small as URL-encoded ones.
const TEXT_FIELD_MAX: usize = 16 * 1024;

pub struct SubmittedForm<F: FileField = Document> {
    pub form: RawForm,
    pub uploads: Vec<Upload>,
    pub file: PhantomData<F>,
    /// A large body's turn, held while its files are in memory.
    _turn: Option<OwnedSemaphorePermit>,
}

impl<F: FileField> SubmittedForm<F> {
    /// The file sent as `field`, if any.
    pub fn take(&mut self, field: &str) -> Option<Upload> {
        let at = self.uploads.iter().position(|u| u.field == field)?;
        Some(self.uploads.swap_remove(at))
    }

    fn text(form: RawForm) -> Self {
        Self {
            form,
            uploads: Vec::new(),
            file: PhantomData,
            _turn: None,
        }
    }
}

impl<F: FileField> FromRequest<AppState> for SubmittedForm<F> {
    type Rejection = AppError;

    async fn from_request(req: Request<Body>, state: &AppState) -> Result<Self, Self::Rejection> {
        super::check_origin(req.headers(), state)?;
        read(req, state).await
    }
}

/// A form from a sender within the rate limit `L`, counted (after the origin check)
/// before the body is read. Over the limit only a plain URL-encoded body is read, so
/// the page can keep what was typed; an upload is not read at all.
pub struct LimitedForm<L: Limit, F: FileField = Document> {
    pub submitted: SubmittedForm<F>,
    /// The sender is over the limit: the form holds at most the typed text.
    pub over_limit: bool,
    limit: PhantomData<L>,
}

impl<L: Limit, F: FileField> FromRequest<AppState> for LimitedForm<L, F> {
    type Rejection = AppError;

    async fn from_request(req: Request<Body>, state: &AppState) -> Result<Self, Self::Rejection> {
        super::check_origin(req.headers(), state)?;
        let (mut parts, body) = req.into_parts();
        let Ok(ClientIp(ip)) = ClientIp::from_request_parts(&mut parts, state).await;
        let req = Request::from_parts(parts, body);
        let per_minute = L::per_minute(&state.settings);
        let within = state
            .limiter
            .allow(L::BUCKET, ip, per_minute, Instant::now());
        let submitted = if within {
            read(req, state).await?
        } else if mime(&content_type(&req)) == URLENCODED {
            read_urlencoded(req, state)
                .await
                .unwrap_or_else(|_| SubmittedForm::text(RawForm::default()))
        } else {
            SubmittedForm::text(RawForm::default())
        };
        Ok(Self {
            submitted,
            over_limit: !within,
            limit: PhantomData,
        })
    }
}

const URLENCODED: &str = "application/x-www-form-urlencoded";

fn content_type(req: &Request<Body>) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn mime(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

async fn read<F: FileField>(
    req: Request<Body>,
    state: &AppState,
) -> Result<SubmittedForm<F>, AppError> {
    let content_type = content_type(&req);
    match mime(&content_type).as_str() {
        URLENCODED => read_urlencoded(req, state).await,
        "multipart/form-data" => read_multipart(req, &content_type, state).await,
        _ => Err(AppError::UnsupportedMediaType),
    }
}

async fn read_urlencoded<F: FileField>(
    req: Request<Body>,
    state: &AppState,
) -> Result<SubmittedForm<F>, AppError> {
    let limit = state.settings.http.form_body_bytes;
    let bytes = axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| too_large(limit))?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
        .map_err(|_| AppError::BadRequest(NOT_READABLE.into()))?;
    ensure_utf8(&pairs)?;
    Ok(SubmittedForm::text(RawForm::from_pairs(pairs)))
}

/// The declared length of the body, if any.
fn declared_length(req: &Request<Body>) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Waits for a large body's turn to be read; a plain form's needs none.
async fn turn_for(
    declared_length: Option<u64>,
    state: &AppState,
) -> Result<Option<OwnedSemaphorePermit>, AppError> {
    let small = declared_length.is_some_and(|n| n <= state.settings.http.form_body_bytes as u64);
    if small {
        return Ok(None);
    }
    match tokio::time::timeout(UPLOAD_WAIT, state.uploads.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(Some(permit)),
        Ok(Err(_)) | Err(_) => Err(AppError::Unavailable(anyhow!(
            "no turn to read a large body within {UPLOAD_WAIT:?}"
        ))),
    }
}

const NOT_READABLE: &str = "error-not-readable";

fn too_large(limit: usize) -> AppError {
    AppError::PayloadTooLarge(Msg::new("error-form-too-large").with("kb", limit / 1024))
}

/// Lossy decoding turns bytes that are not UTF-8 into U+FFFD: such a form is refused
/// rather than stored mangled.
fn ensure_utf8(pairs: &[(String, String)]) -> Result<(), AppError> {
    if pairs
        .iter()
        .any(|(k, v)| k.contains('\u{FFFD}') || v.contains('\u{FFFD}'))
    {
        return Err(AppError::BadRequest(NOT_READABLE.into()));
    }
    Ok(())
}

async fn read_multipart<F: FileField>(
    req: Request<Body>,
    content_type: &str,
    state: &AppState,
) -> Result<SubmittedForm<F>, AppError> {
    let http = &state.settings.http;
    let file_limit = F::limit(&state.settings);
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| AppError::BadRequest(NOT_READABLE.into()))?;
    let whole_stream = (file_limit * F::NAMES.len() + http.form_body_bytes) as u64;
    let limits = multer::SizeLimit::new()
        .whole_stream(whole_stream)
        .per_field(TEXT_FIELD_MAX as u64);
    let limits = F::NAMES
        .iter()
        .fold(limits, |l, name| l.for_field(*name, file_limit as u64));
    let constraints = multer::Constraints::new().size_limit(limits);
    let upload_too_large = || {
        AppError::PayloadTooLarge(
            Msg::new("error-file-too-large").with("mb", file_limit / (1024 * 1024)),
        )
    };
    let declared = declared_length(&req);
    if declared.is_some_and(|n| n > whole_stream) {
        return Err(upload_too_large());
    }
    let turn = turn_for(declared, state).await?;
    let stream = req.into_body().into_data_stream();
    let mut multipart = multer::Multipart::with_constraints(stream, boundary, constraints);
    let mut pairs = Vec::new();
    let mut uploads: Vec<Upload> = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(err) => return Err(multipart_error(err, upload_too_large())),
        };
        let name = field.name().unwrap_or("").to_string();
        if F::NAMES.contains(&name.as_str()) {
            let filename = field.file_name().unwrap_or("").to_string();
            let mut bytes = Vec::new();
            let mut field = field;
            while let Some(chunk) = field
                .try_next()
                .await
                .map_err(|err| multipart_error(err, upload_too_large()))?
            {
                bytes.extend_from_slice(&chunk);
            }
            if !uploads.iter().any(|u| u.field == name) {
                uploads.push(Upload {
                    field: name,
                    filename,
                    bytes,
                });
            }
        } else {
            let value = field
                .text()
                .await
                .map_err(|err| multipart_error(err, too_large(TEXT_FIELD_MAX)))?;
            pairs.push((name, value));
        }
    }
    ensure_utf8(&pairs)?;
    Ok(SubmittedForm {
        form: RawForm::from_pairs(pairs),
        uploads,
        file: PhantomData,
        _turn: turn,
    })
}

fn multipart_error(err: multer::Error, too_large: AppError) -> AppError {
    match err {
        multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. } => {
            too_large
        }
        _ => AppError::BadRequest(NOT_READABLE.into()),
    }
}
