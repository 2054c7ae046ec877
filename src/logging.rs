//! Where log lines go and in what shape: human-readable text by default, or one JSON
//! object a line (`RIGHTSDESK_LOG_FORMAT=json`) for a log collector that indexes fields
//! such as `tracking_code`. Either way the lines carry request ids and tracking codes,
//! never personal data: the format changes the shape, not what is logged.

use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Read before the settings are, so that loading them can already be logged.
pub const FORMAT_VAR: &str = "RIGHTSDESK_LOG_FORMAT";
/// Which events are written, in `EnvFilter` syntax.
pub const FILTER_VAR: &str = "RIGHTSDESK_LOG";
const DEFAULT_FILTER: &str = "info,sqlx=warn,tower_http=warn";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim() {
            "" | "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            other => Err(format!("{FORMAT_VAR} is {other:?}; expected text or json")),
        }
    }

    /// From `RIGHTSDESK_LOG_FORMAT`; text when unset.
    pub fn from_env() -> Result<Self, String> {
        Self::parse(&std::env::var(FORMAT_VAR).unwrap_or_default())
    }
}

/// The subscriber writing `format` to `writer` through `filter`. Colours only for text
/// on a terminal (`ansi`): a log file or the journal gets plain lines.
pub fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    writer: W,
    ansi: bool,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_env_filter(filter);
    match format {
        LogFormat::Text => Box::new(builder.with_ansi(ansi).finish()),
        // The current span's fields (the HTTP route, a request id) ride along with each
        // event, flattened so a collector finds `tracking_code` at the top level.
        LogFormat::Json => Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false)
                .finish(),
        ),
    }
}

/// Installs the process's subscriber, writing to standard error.
pub fn init() -> anyhow::Result<()> {
    let format = LogFormat::from_env().map_err(|msg| anyhow::anyhow!(msg))?;
    let filter = EnvFilter::try_from_env(FILTER_VAR).unwrap_or_else(|_| DEFAULT_FILTER.into());
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing::subscriber::set_global_default(subscriber(format, filter, std::io::stderr, ansi))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Collects what the subscriber writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn log_with(format: LogFormat) -> String {
        let out = Captured::default();
        let writer = out.clone();
        let subscriber = subscriber(
            format,
            EnvFilter::new("info"),
            move || writer.clone(),
            false,
        );
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("http", route = "/requests/new/{kind}");
            let _entered = span.enter();
            tracing::info!(tracking_code = "RD-7K3M-Q9PX", "request filed");
            tracing::debug!("not written at info");
        });
        String::from_utf8(out.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn json_logs_are_one_object_a_line_with_the_tracking_code_as_a_field() {
        let out = log_with(LogFormat::Json);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 1, "{out}");
        let line: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["message"], "request filed");
        assert_eq!(line["tracking_code"], "RD-7K3M-Q9PX");
        assert_eq!(line["target"], "rightsdesk::logging::tests");
        assert_eq!(line["span"]["route"], "/requests/new/{kind}");
        assert!(
            chrono::DateTime::parse_from_rfc3339(line["timestamp"].as_str().unwrap()).is_ok(),
            "{line}"
        );
    }

    #[test]
    fn text_stays_the_default() {
        assert_eq!(LogFormat::parse("").unwrap(), LogFormat::Text);
        assert_eq!(LogFormat::parse("json").unwrap(), LogFormat::Json);
        assert!(LogFormat::parse("xml").is_err());
        let out = log_with(LogFormat::Text);
        assert!(out.contains("request filed"));
        assert!(out.contains("tracking_code=\"RD-7K3M-Q9PX\""), "{out}");
        assert!(serde_json::from_str::<serde_json::Value>(out.trim()).is_err());
    }
}
