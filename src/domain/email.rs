//! E-mail addresses as the portal accepts them.

use std::fmt;

/// A syntactically plausible address, trimmed. Proof that it works comes from the
/// verification link, not from parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// On failure, the id of the message to show (`locales/*/forms.ftl`).
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let s = input.trim();
        if s.is_empty() {
            return Err("error-email-missing");
        }
        if s.len() > 254 {
            return Err("error-email-too-long");
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err("error-email-shape");
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && local
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[]\\,;:\"".contains(c));
        if !domain_ok || !local_ok {
            return Err("error-email-shape");
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_addresses_are_accepted_and_trimmed() {
        assert_eq!(
            EmailAddress::parse("  Ana.Lopez+privacy@example.co.uk ")
                .unwrap()
                .as_str(),
            "Ana.Lopez+privacy@example.co.uk"
        );
        assert!(EmailAddress::parse("josé@correo.example").is_ok());
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "ana@@example.com",
            "a na@example.com",
            "ana@exa mple.com",
            "ana@.example.com",
            "ana@example..com",
            "<ana>@example.com",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?}");
        }
        assert!(EmailAddress::parse(&format!("{}@example.com", "a".repeat(65))).is_err());
    }
}
