//! Response packages for requests to know: portable, readily usable files (reg.
//! §7024(i)): JSON, CSV, or a ZIP of them. Recognised by content.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageType {
    Json,
    Csv,
    Zip,
}

impl PackageType {
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
            return Some(PackageType::Zip);
        }
        let text = std::str::from_utf8(bytes).ok()?;
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        if trimmed.is_empty() || text.contains('\0') {
            return None;
        }
        if (trimmed.starts_with('{') || trimmed.starts_with('['))
            && serde_json::from_str::<serde::de::IgnoredAny>(trimmed).is_ok()
        {
            return Some(PackageType::Json);
        }
        if trimmed.starts_with('<') {
            // Markup is not a data package.
            return None;
        }
        Some(PackageType::Csv)
    }

    pub fn mime(self) -> &'static str {
        match self {
            PackageType::Json => "application/json",
            PackageType::Csv => "text/csv",
            PackageType::Zip => "application/zip",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            PackageType::Json => "json",
            PackageType::Csv => "csv",
            PackageType::Zip => "zip",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_are_recognised_by_content() {
        assert_eq!(
            PackageType::sniff(br#" {"name": "Ana"} "#),
            Some(PackageType::Json)
        );
        assert_eq!(
            PackageType::sniff(b"field,value\nname,Ana\n"),
            Some(PackageType::Csv)
        );
        assert_eq!(
            PackageType::sniff(b"PK\x03\x04rest"),
            Some(PackageType::Zip)
        );
        // Broken JSON is still readable text: kept as CSV-like text rather than refused.
        assert_eq!(PackageType::sniff(b"{not json"), Some(PackageType::Csv));
        assert_eq!(PackageType::sniff(b"<html><script>"), None);
        assert_eq!(PackageType::sniff(b"\xff\xfe\x00binary"), None);
        assert_eq!(PackageType::sniff(b""), None);
    }
}
