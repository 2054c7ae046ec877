//! The business API's vocabulary, parsed once at the edge: what a token may do (its
//! scopes), what it is called, and how a feed is asked for (cursor, page size, format,
//! identifier). Pure: the handlers turn a query string into these or name the field
//! that was wrong.

use std::fmt;

use sha2::{Digest, Sha256};

use super::token::{self, SecretToken};

/// What a token lets a business system do. A token carries one or more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Poll the sale/sharing and sensitive-use suppression list.
    SuppressionsRead,
    /// Report downstream tasks as done.
    TasksWrite,
    /// Poll the requests' lifecycle events.
    EventsRead,
}

impl Scope {
    pub const ALL: &'static [Scope] = &[
        Scope::SuppressionsRead,
        Scope::TasksWrite,
        Scope::EventsRead,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Scope::SuppressionsRead => "suppressions:read",
            Scope::TasksWrite => "tasks:write",
            Scope::EventsRead => "events:read",
        }
    }

    pub fn parse(code: &str) -> Option<Scope> {
        Scope::ALL.iter().copied().find(|s| s.code() == code)
    }

    /// `suppressions:read,events:read` → both, each once, in the order of [`Scope::ALL`].
    pub fn parse_list(list: &str) -> Result<Vec<Scope>, String> {
        let mut scopes = Vec::new();
        for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let scope = Scope::parse(part).ok_or_else(|| {
                format!(
                    "unknown scope {part:?}; the scopes are {}",
                    Scope::ALL
                        .iter()
                        .map(|s| s.code())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        Self::ordered(scopes)
    }

    /// At least one scope, each once, in the order of [`Scope::ALL`].
    pub fn ordered(scopes: Vec<Scope>) -> Result<Vec<Scope>, String> {
        if scopes.is_empty() {
            return Err("give the token at least one scope".into());
        }
        Ok(Scope::ALL
            .iter()
            .copied()
            .filter(|s| scopes.contains(s))
            .collect())
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What staff call a token ("Marketing CRM"): unique among live tokens, so that
/// `token revoke NAME` means one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenName(String);

impl TokenName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let name = raw.trim();
        if name.is_empty() {
            return Err("give the token a name".into());
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(format!("a name has at most {} characters", Self::MAX_CHARS));
        }
        if name.chars().any(char::is_control) {
            return Err("a name has no control characters".into());
        }
        Ok(Self(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Every API token starts with this, so one pasted where it should not be (a ticket, a
/// repository) is recognised by secret scanners and by people.
pub const TOKEN_PREFIX: &str = "rdk_";

/// A new API token: `rdk_` and 256 random bits (base64url). Only its SHA-256 is stored;
/// a hash lookup leaks nothing through timing that a slow hash would hide.
pub struct NewApiToken {
    raw: String,
    hash: [u8; 32],
}

impl NewApiToken {
    pub fn generate() -> Self {
        let raw = format!("{TOKEN_PREFIX}{}", SecretToken::generate().expose());
        let hash = token::hash(&raw);
        Self { raw, hash }
    }

    /// Shown once to whoever made it; never stored or logged.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    pub fn hash(&self) -> &[u8; 32] {
        &self.hash
    }
}

/// Where a poller is in a feed: after the entry written by transaction `txid` with
/// sequence number `seq`. Written `TXID-SEQ`; clients keep it as an opaque string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Cursor {
    pub txid: u64,
    pub seq: i64,
}

impl Cursor {
    /// The start of a feed, before every entry.
    pub const START: Cursor = Cursor { txid: 0, seq: 0 };

    pub fn parse(raw: &str) -> Option<Cursor> {
        let (txid, seq) = raw.split_once('-')?;
        let digits =
            |s: &str| !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(txid) || !digits(seq) {
            return None;
        }
        Some(Cursor {
            txid: txid.parse().ok()?,
            seq: seq.parse().ok()?,
        })
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.txid, self.seq)
    }
}

/// How many entries a feed page holds: 1 to [`PageSize::MAX`], that many by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize(u16);

impl PageSize {
    pub const MAX: u16 = 1000;

    pub fn parse(raw: Option<&str>) -> Option<PageSize> {
        match raw {
            None => Some(PageSize(Self::MAX)),
            Some(raw) => raw
                .parse::<u16>()
                .ok()
                .filter(|n| (1..=Self::MAX).contains(n))
                .map(PageSize),
        }
    }

    pub fn get(self) -> i64 {
        i64::from(self.0)
    }
}

/// How a feed page is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

impl Format {
    pub fn parse(raw: Option<&str>) -> Option<Format> {
        match raw {
            None | Some("json") => Some(Format::Json),
            Some("csv") => Some(Format::Csv),
            Some(_) => None,
        }
    }
}

/// How the suppression feed names a consumer: their e-mail address, or its SHA-256
/// (what ad platforms take for suppression uploads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identifier {
    Email,
    Sha256,
}

impl Identifier {
    pub fn parse(raw: Option<&str>) -> Option<Identifier> {
        match raw {
            None | Some("email") => Some(Identifier::Email),
            Some("sha256") => Some(Identifier::Sha256),
            Some(_) => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Identifier::Email => "email",
            Identifier::Sha256 => "sha256",
        }
    }

    /// The address as this identifier writes it.
    pub fn of(self, email: &str) -> String {
        match self {
            Identifier::Email => email.to_string(),
            Identifier::Sha256 => email_sha256(email),
        }
    }
}

/// Hex SHA-256 of the address trimmed and lower-cased, the normalisation ad platforms
/// apply before matching.
pub fn email_sha256(email: &str) -> String {
    hex::encode(Sha256::digest(email.trim().to_lowercase().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_from_a_comma_list_each_once_in_a_fixed_order() {
        assert_eq!(
            Scope::parse_list("events:read, suppressions:read,events:read"),
            Ok(vec![Scope::SuppressionsRead, Scope::EventsRead])
        );
        assert!(Scope::parse_list("suppressions:write").is_err());
        assert!(Scope::parse_list(" , ").is_err());
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.code()), Some(*scope));
        }
    }

    #[test]
    fn a_token_is_recognisable_and_only_its_hash_is_kept() {
        let a = NewApiToken::generate();
        let b = NewApiToken::generate();
        assert!(a.expose().starts_with("rdk_"));
        assert_eq!(a.expose().len(), 4 + 43);
        assert_eq!(token::hash(a.expose()), *a.hash());
        assert_ne!(a.expose(), b.expose());
    }

    #[test]
    fn names_are_trimmed_short_and_printable() {
        assert_eq!(TokenName::parse("  CRM ").unwrap().as_str(), "CRM");
        assert!(TokenName::parse("   ").is_err());
        assert!(TokenName::parse("a\nb").is_err());
        assert!(TokenName::parse(&"x".repeat(101)).is_err());
    }

    #[test]
    fn cursors_round_trip_and_refuse_anything_else() {
        let c = Cursor {
            txid: 7411,
            seq: 52,
        };
        assert_eq!(Cursor::parse(&c.to_string()), Some(c));
        assert!(Cursor::START < c);
        for bad in [
            "",
            "12",
            "-1",
            "1-",
            "a-1",
            "1-2-3",
            "1--2",
            "+1-2",
            "99999999999999999999-1",
        ] {
            assert_eq!(Cursor::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn pages_hold_one_to_a_thousand_entries() {
        assert_eq!(PageSize::parse(None).map(PageSize::get), Some(1000));
        assert_eq!(PageSize::parse(Some("1")).map(PageSize::get), Some(1));
        for bad in ["0", "1001", "-5", "ten", ""] {
            assert_eq!(PageSize::parse(Some(bad)), None, "{bad:?}");
        }
    }

    #[test]
    fn the_hashed_identifier_normalises_the_address_first() {
        assert_eq!(
            email_sha256("  Ana@Example.COM "),
            email_sha256("ana@example.com")
        );
        // echo -n ana@example.com | sha256sum
        assert_eq!(
            email_sha256("ana@example.com"),
            "8e43ca37701228e74983efdbd0cff5c16b3b1e5d4e29a7c05626d4d25a018e11"
        );
        assert_eq!(Identifier::Sha256.of("ana@example.com").len(), 64);
        assert_eq!(Identifier::Email.of("Ana@example.com"), "Ana@example.com");
    }
}
