//! Reading a consumer's form body: URL-encoded, or multipart when a file is attached.
//! Anything else, anything too large and anything not UTF-8 is refused with a page.

use axum::body::Body;
use axum::extract::FromRequest;
use axum::http::{Request, header};
use futures_util::TryStreamExt;

use super::AppState;
use super::errors::AppError;
use crate::domain::intake::{RawForm, Upload};

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
    pub file: std::marker::PhantomData<F>,
}

impl<F: FileField> SubmittedForm<F> {
    /// The file sent as `field`, if any.
    pub fn take(&mut self, field: &str) -> Option<Upload> {
        let at = self.uploads.iter().position(|u| u.field == field)?;
        Some(self.uploads.swap_remove(at))
    }
}

impl<F: FileField> FromRequest<AppState> for SubmittedForm<F> {
    type Rejection = AppError;

    async fn from_request(req: Request<Body>, state: &AppState) -> Result<Self, Self::Rejection> {
        let http = &state.settings.http;
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let mime = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match mime.as_str() {
            "application/x-www-form-urlencoded" => {
                let bytes = axum::body::to_bytes(req.into_body(), http.form_body_bytes)
                    .await
                    .map_err(|_| too_large(http.form_body_bytes))?;
                let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
                    .map_err(|_| AppError::BadRequest(NOT_READABLE.into()))?;
                ensure_utf8(&pairs)?;
                Ok(Self {
                    form: RawForm::from_pairs(pairs),
                    uploads: Vec::new(),
                    file: std::marker::PhantomData,
                })
            }
            "multipart/form-data" => read_multipart(req, &content_type, state).await,
            _ => Err(AppError::UnsupportedMediaType),
        }
    }
}

const NOT_READABLE: &str =
    "The form arrived damaged or in an unexpected encoding. Please go back and send it again.";

fn too_large(limit: usize) -> AppError {
    AppError::PayloadTooLarge(format!(
        "The form was larger than we accept ({} KB). Shorten the text and send it again.",
        limit / 1024
    ))
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
    let limits = multer::SizeLimit::new()
        .whole_stream((file_limit * F::NAMES.len() + http.form_body_bytes) as u64)
        .per_field(TEXT_FIELD_MAX as u64);
    let limits = F::NAMES
        .iter()
        .fold(limits, |l, name| l.for_field(*name, file_limit as u64));
    let constraints = multer::Constraints::new().size_limit(limits);
    let stream = req.into_body().into_data_stream();
    let mut multipart = multer::Multipart::with_constraints(stream, boundary, constraints);
    let mut pairs = Vec::new();
    let mut uploads: Vec<Upload> = Vec::new();
    let upload_too_large = || {
        AppError::PayloadTooLarge(format!(
            "The file you attached is larger than {} MB. Go back and attach a smaller file.",
            file_limit / (1024 * 1024)
        ))
    };
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
        file: std::marker::PhantomData,
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
