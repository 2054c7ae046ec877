//! Which language a consumer page is in: `?lang=es|en` (then remembered in a cookie),
//! else the cookie, else `Accept-Language`, else English. Staff pages and the APIs stay
//! in English and are left alone. Every consumer page carries a link to the same page
//! in the other language; error pages are written again here in the visitor's
//! language, since an error is rendered where no request is at hand.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::errors::ErrorShown;
use crate::domain::lang::Lang;
use crate::locale::Tr;

const COOKIE_NAME: &str = "rd_lang";
/// A year: the choice outlives the visit, like the GPC cookie.
const COOKIE_MAX_AGE: u32 = super::cookies::YEAR;

/// Paths that are not the consumer's: staff pages, APIs, probes, files.
const NOT_CONSUMER: &[&str] = &[
    "/staff",
    "/drp/v1",
    "/api/",
    "/metrics",
    "/healthz",
    "/readyz",
    "/static/",
    "/tasks/",
    "/.well-known/",
];

/// The language of this page, and where the link to the other language goes.
#[derive(Debug, Clone)]
pub struct Locale {
    pub lang: Lang,
    /// This page (path and query) with `lang` set to the other language.
    pub switch_href: String,
    /// The visitor chose the language (`?lang=` now or earlier, in the cookie), rather
    /// than their browser's settings deciding it.
    pub chosen: bool,
    /// The path and query, for the switch when the language changes.
    here: Uri,
}

impl Locale {
    pub fn tr(&self) -> Tr {
        Tr::new(self.lang)
    }

    /// A page about one request (a link from its e-mails) is in the request's language
    /// unless the visitor chose one: the link in a Spanish e-mail opens a Spanish page.
    pub fn unless_chosen(&self, request_lang: Lang) -> Locale {
        if self.chosen || request_lang == self.lang {
            return self.clone();
        }
        Locale {
            lang: request_lang,
            switch_href: switch_href(&self.here, request_lang.other()),
            chosen: false,
            here: self.here.clone(),
        }
    }

    /// What a request's headers and address ask for; the explicit choice, when there is
    /// one, is returned too so that it can be remembered.
    pub fn negotiate(uri: &Uri, headers: &HeaderMap) -> (Locale, Option<Lang>) {
        let chosen = query_lang(uri);
        let remembered = chosen.or_else(|| cookie_lang(headers));
        let lang = remembered
            .or_else(|| {
                headers
                    .get(ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Lang::from_accept_language)
            })
            .unwrap_or_default();
        let locale = Locale {
            lang,
            switch_href: switch_href(uri, lang.other()),
            chosen: remembered.is_some(),
            here: uri.clone(),
        };
        (locale, chosen)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Locale {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(match parts.extensions.get::<Locale>() {
            Some(locale) => locale.clone(),
            None => Locale::negotiate(&parts.uri, &parts.headers).0,
        })
    }
}

fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    uri.query()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .unwrap_or_default()
}

fn query_lang(uri: &Uri) -> Option<Lang> {
    query_pairs(uri)
        .into_iter()
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v))
}

fn cookie_lang(headers: &HeaderMap) -> Option<Lang> {
    super::cookies::values(headers, COOKIE_NAME).find_map(Lang::parse)
}

/// The same path and query, with `lang` replaced.
fn switch_href(uri: &Uri, lang: Lang) -> String {
    let mut pairs: Vec<(String, String)> = query_pairs(uri)
        .into_iter()
        .filter(|(k, _)| k != "lang")
        .collect();
    pairs.push(("lang".into(), lang.code().into()));
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("{}?{query}", uri.path())
}

/// Decides the language of a consumer page, remembers an explicit choice, and writes
/// error pages in it.
pub async fn choose_language(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    if NOT_CONSUMER.iter().any(|p| path.starts_with(p)) {
        return next.run(req).await;
    }
    let (locale, chosen) = Locale::negotiate(req.uri(), req.headers());
    let gpc = super::gpc::Gpc::from_headers(req.headers());
    req.extensions_mut().insert(locale.clone());
    let mut response = next.run(req).await;
    if let Some(shown) = response.extensions().get::<ErrorShown>().cloned() {
        response = shown.page(&state.page(gpc, &locale)).into_response();
    }
    if let Some(lang) = chosen {
        super::cookies::remember(
            &state,
            &mut response,
            COOKIE_NAME,
            lang.code(),
            COOKIE_MAX_AGE,
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn negotiate(uri: &str, headers: &[(&str, &str)]) -> (Locale, Option<Lang>) {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        Locale::negotiate(&uri.parse().unwrap(), &map)
    }

    #[test]
    fn the_query_beats_the_cookie_which_beats_the_browser() {
        let (l, chosen) = negotiate(
            "/status?lang=es",
            &[("cookie", "rd_lang=en"), ("accept-language", "en")],
        );
        assert_eq!((l.lang, chosen), (Lang::Es, Some(Lang::Es)));
        let (l, chosen) = negotiate(
            "/status",
            &[("cookie", "a=b; rd_lang=es"), ("accept-language", "en")],
        );
        assert_eq!((l.lang, chosen), (Lang::Es, None));
        let (l, _) = negotiate("/status", &[("accept-language", "es-MX,es;q=0.9")]);
        assert_eq!(l.lang, Lang::Es);
        let (l, _) = negotiate("/status?lang=fr", &[]);
        assert_eq!(l.lang, Lang::En);
    }

    #[test]
    fn the_switch_keeps_the_page_and_its_query() {
        let (l, _) = negotiate("/requests/new/delete?lang=es&x=1%202", &[]);
        assert_eq!(l.switch_href, "/requests/new/delete?x=1+2&lang=en");
        let (l, _) = negotiate("/status", &[]);
        assert_eq!(l.switch_href, "/status?lang=es");
    }
}
