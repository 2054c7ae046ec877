//! The languages consumers are served in (reg. §7003(a): notices and forms in the
//! languages the business does business in). Which one a visitor gets is decided here,
//! without I/O: an explicit choice, else the browser's `Accept-Language`, else English.

use std::fmt;

/// A language of the consumer's pages and e-mails. Staff pages stay in English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    En,
    Es,
}

/// A language code the portal does not serve, read from the database.
#[derive(Debug, thiserror::Error)]
#[error("unknown language code {0:?}")]
pub struct UnknownLang(pub String);

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    /// The code stored with a request and used in `?lang=` and `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// An explicit choice (`?lang=es`, the cookie): exactly a code we serve.
    pub fn parse(code: &str) -> Option<Lang> {
        Lang::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(code.trim()))
    }

    /// The other language, which the switch on every page offers.
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Es,
            Lang::Es => Lang::En,
        }
    }

    /// The language's name in itself, as the switch shows it.
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Es => "Español",
        }
    }

    /// The language's name in English, as staff pages show it.
    pub fn english_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Es => "Spanish",
        }
    }

    /// The served language the browser prefers most (RFC 9110 §12.5.4): ranges by
    /// weight, ties in the order given; `es-MX` and `es-419` are Spanish; `q=0` means
    /// "not this". `None` when no served language is acceptable.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(u16, Lang)> = None;
        for range in header.split(',').take(32) {
            let mut parts = range.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q=").map(str::trim))
                .map_or(Some(1000), parse_weight);
            let Some(weight) = weight else { continue };
            let primary = tag.split('-').next().unwrap_or("");
            let Some(lang) = Lang::parse(primary) else {
                continue;
            };
            if weight > 0 && best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }
}

/// `q=0.8` → 800; anything malformed is ignored.
fn parse_weight(q: &str) -> Option<u16> {
    let value: f32 = q.parse().ok()?;
    (0.0..=1.0)
        .contains(&value)
        .then(|| (value * 1000.0).round() as u16)
}

impl TryFrom<&str> for Lang {
    type Error = UnknownLang;

    fn try_from(code: &str) -> Result<Self, Self::Error> {
        Lang::ALL
            .into_iter()
            .find(|l| l.code() == code)
            .ok_or_else(|| UnknownLang(code.to_string()))
    }
}

impl TryFrom<String> for Lang {
    type Error = UnknownLang;

    fn try_from(code: String) -> Result<Self, Self::Error> {
        Lang::try_from(code.as_str())
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Something to tell a consumer, said in their language when it is shown: a message id
/// of the `locales/` files and its arguments. The domain decides what to say; the page
/// or e-mail decides in which language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub key: &'static str,
    pub args: Vec<(&'static str, MsgArg)>,
    /// Text already written (a staff page's own English), shown as it is.
    pub literal: Option<String>,
}

/// A value put into a message: text as it is, or a number (which can choose a plural).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MsgArg {
    Text(String),
    Number(i64),
}

impl Msg {
    pub fn new(key: &'static str) -> Self {
        Self {
            key,
            args: Vec::new(),
            literal: None,
        }
    }

    pub fn with(mut self, name: &'static str, value: impl Into<MsgArg>) -> Self {
        self.args.push((name, value.into()));
        self
    }
}

impl From<&'static str> for Msg {
    fn from(key: &'static str) -> Self {
        Msg::new(key)
    }
}

/// Text written for staff in English, not a message id: shown as it is.
impl From<String> for Msg {
    fn from(text: String) -> Self {
        Self {
            key: "",
            args: Vec::new(),
            literal: Some(text),
        }
    }
}

impl From<String> for MsgArg {
    fn from(s: String) -> Self {
        MsgArg::Text(s)
    }
}

impl From<&str> for MsgArg {
    fn from(s: &str) -> Self {
        MsgArg::Text(s.to_string())
    }
}

impl From<i64> for MsgArg {
    fn from(n: i64) -> Self {
        MsgArg::Number(n)
    }
}

impl From<usize> for MsgArg {
    fn from(n: usize) -> Self {
        MsgArg::Number(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_that_prefers_spanish_gets_spanish() {
        assert_eq!(Lang::from_accept_language("es"), Some(Lang::Es));
        assert_eq!(
            Lang::from_accept_language("es-MX,es;q=0.9,en-US;q=0.8,en;q=0.7"),
            Some(Lang::Es)
        );
        assert_eq!(
            Lang::from_accept_language("en-US,en;q=0.9,es;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::from_accept_language("fr-FR, es;q=0.5"),
            Some(Lang::Es),
            "the first language we serve"
        );
        assert_eq!(
            Lang::from_accept_language("en;q=0.2, es-419;q=0.7"),
            Some(Lang::Es)
        );
    }

    #[test]
    fn nothing_we_serve_or_a_refusal_leaves_the_choice_to_the_default() {
        assert_eq!(Lang::from_accept_language(""), None);
        assert_eq!(Lang::from_accept_language("fr, de;q=0.5"), None);
        assert_eq!(Lang::from_accept_language("es;q=0"), None);
        assert_eq!(Lang::from_accept_language("es;q=banana"), None);
        assert_eq!(Lang::from_accept_language("*"), None);
    }

    #[test]
    fn an_explicit_choice_is_exactly_one_of_our_codes() {
        assert_eq!(Lang::parse("es"), Some(Lang::Es));
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
        assert_eq!(Lang::parse("es-MX"), None);
        assert_eq!(Lang::parse("fr"), None);
        assert!(Lang::try_from("de").is_err());
        assert_eq!(Lang::try_from("es").unwrap(), Lang::Es);
    }
}
