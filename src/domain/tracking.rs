//! Tracking codes: what a consumer writes down and reads back over the phone.

use std::fmt;

use rand::Rng;

/// No 0/O, 1/I/L: nothing a person could misread.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// `RD-` and two groups of four characters, e.g. `RD-7K3M-Q9PX`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrackingCode(String);

impl TrackingCode {
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        let mut pick = || ALPHABET[rng.random_range(0..ALPHABET.len())] as char;
        let first: String = (0..4).map(|_| pick()).collect();
        let second: String = (0..4).map(|_| pick()).collect();
        Self(format!("RD-{first}-{second}"))
    }

    /// Accepts what people type: any case, with or without `RD-`, spaces or dashes.
    pub fn parse(input: &str) -> Option<Self> {
        let cleaned: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_ascii_uppercase();
        let body = cleaned.strip_prefix("RD").unwrap_or(&cleaned);
        if body.len() != 8 || !body.bytes().all(|b| ALPHABET.contains(&b)) {
            return None;
        }
        Some(Self(format!("RD-{}-{}", &body[..4], &body[4..])))
    }

    /// A code read back from the database: it was generated here, so one that does not
    /// parse is corrupt data, an error, never replaced by a new code.
    pub fn stored(code: &str) -> Result<Self, crate::domain::kinds::UnknownCode> {
        Self::parse(code).ok_or(crate::domain::kinds::UnknownCode::TRACKING_CODE)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_have_the_fixed_shape() {
        for _ in 0..1000 {
            let code = TrackingCode::generate();
            let s = code.as_str();
            assert_eq!(s.len(), 12);
            assert!(s.starts_with("RD-"));
            assert_eq!(&s[7..8], "-");
            assert_eq!(TrackingCode::parse(s), Some(code.clone()));
        }
    }

    #[test]
    fn typed_variants_are_understood_and_ambiguous_characters_refused() {
        let want = TrackingCode::parse("RD-7K3M-Q9PX").unwrap();
        assert_eq!(TrackingCode::parse("rd-7k3m-q9px"), Some(want.clone()));
        assert_eq!(TrackingCode::parse(" 7K3M Q9PX "), Some(want.clone()));
        assert_eq!(TrackingCode::parse("RD7K3MQ9PX"), Some(want));
        assert_eq!(TrackingCode::parse("RD-7K3M-Q9P0"), None);
        assert_eq!(TrackingCode::parse("RD-7K3M-Q9P"), None);
        assert_eq!(TrackingCode::parse(""), None);
    }
}
