//! SMTP delivery over connections kept open between messages.
//!
//! Each message goes over an idle connection when there is one (checked with `NOOP` only
//! after it sat unused for a while), so a busy worker does not pay a new connection, TLS
//! handshake and login per message. Connections are opened with Nagle's algorithm off:
//! the end of a message (`\r\n.\r\n`) is written after its body, and with Nagle on it
//! would wait for the server to acknowledge the body, which servers delay by up to 40 ms,
//! capping each connection at about 25 messages per second.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{self, pki_types::ServerName};

use super::SendError;

/// How long one delivery (connecting included) may take.
const TIMEOUT: Duration = Duration::from_secs(30);
/// An idle connection older than this is checked with `NOOP` before it is used.
const CHECK_AFTER: Duration = Duration::from_secs(5);
/// Idle connections kept, at most.
const KEEP: usize = 64;

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Security {
    /// `smtp://`: plain.
    None,
    /// `smtp://…?tls=opportunistic` or `?tls=required`: STARTTLS.
    StartTls { required: bool },
    /// `smtps://`: TLS from the first byte.
    Implicit,
}

pub struct Smtp {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    hello: ClientId,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl Smtp {
    /// `smtp://[user:password@]host[:port][/hello-name][?tls=required|opportunistic]` or
    /// `smtps://…`; the ports default to 25 (587 with STARTTLS) and 465.
    pub fn from_url(raw: &str) -> anyhow::Result<Self> {
        let url = url::Url::parse(raw).context("not a URL")?;
        let tls = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let (security, default_port) = match (url.scheme(), tls.as_deref()) {
            ("smtp", None) => (Security::None, 25),
            ("smtp", Some("required")) => (Security::StartTls { required: true }, 587),
            ("smtp", Some("opportunistic")) => (Security::StartTls { required: false }, 587),
            ("smtps", None) => (Security::Implicit, 465),
            (scheme, tls) => bail!("unknown scheme {scheme:?} or tls={tls:?}"),
        };
        let host = url.host_str().context("no host")?.to_owned();
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|s| s.into_owned())
                .context("credentials are not UTF-8")
        };
        let credentials = match url.password() {
            Some(password) => Some(Credentials::new(decode(url.username())?, decode(password)?)),
            None => None,
        };
        let name = url.path().trim_matches('/');
        let hello = if name.is_empty() {
            ClientId::default()
        } else {
            ClientId::Domain(name.to_owned())
        };
        Ok(Self {
            port: url.port().unwrap_or(default_port),
            host,
            security,
            credentials,
            hello,
            idle: Mutex::default(),
        })
    }

    /// Sends one message; the connection goes back to the idle ones unless it broke. An
    /// idle connection the server has closed in the meantime fails before the message
    /// is accepted: the message then goes again, at once, over a new connection.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), SendError> {
        let attempt = async {
            if let Some(conn) = self.take_idle().await {
                match self.send_over(conn, envelope, message).await {
                    Err(e) if !e.is_permanent() && !e.is_transient() => {
                        tracing::debug!(error = %e, "an idle SMTP connection failed; reconnecting");
                    }
                    sent => return sent.map_err(refused),
                }
            }
            let conn = self.connect().await.map_err(|e| SendError {
                permanent: false,
                message: format!("connecting to {}:{}: {e:#}", self.host, self.port),
            })?;
            self.send_over(conn, envelope, message)
                .await
                .map_err(refused)
        };
        tokio::time::timeout(TIMEOUT, attempt)
            .await
            .unwrap_or_else(|_| {
                Err(SendError {
                    permanent: false,
                    message: format!(
                        "no answer from {}:{} within {TIMEOUT:?}",
                        self.host, self.port
                    ),
                })
            })
    }

    async fn send_over(
        &self,
        mut conn: AsyncSmtpConnection,
        envelope: &Envelope,
        message: &[u8],
    ) -> Result<(), lettre::transport::smtp::Error> {
        let sent = conn.send(envelope, message).await;
        if conn.has_broken() {
            conn.abort().await;
        } else {
            self.park(conn);
        }
        sent.map(|_| ())
    }

    /// Connects as a delivery would (TLS, `EHLO`, login), sends `NOOP` and quits:
    /// `check-config --connect` proves the server takes us before any mail is queued.
    pub async fn check(&self) -> anyhow::Result<()> {
        let attempt = async {
            let mut conn = self
                .connect()
                .await
                .with_context(|| format!("connecting to {}:{}", self.host, self.port))?;
            let answered = conn.test_connected().await;
            conn.quit().await.ok();
            if !answered {
                bail!("{}:{} did not answer NOOP", self.host, self.port);
            }
            Ok(())
        };
        tokio::time::timeout(TIMEOUT, attempt)
            .await
            .unwrap_or_else(|_| {
                bail!(
                    "no answer from {}:{} within {TIMEOUT:?}",
                    self.host,
                    self.port
                )
            })
    }

    async fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        loop {
            let (mut conn, since) = self.idle.lock().ok()?.pop()?;
            if since.elapsed() < CHECK_AFTER || conn.test_connected().await {
                return Some(conn);
            }
            conn.abort().await;
        }
    }

    fn park(&self, conn: AsyncSmtpConnection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < KEEP
        {
            idle.push((conn, Instant::now()));
        }
    }

    async fn connect(&self) -> anyhow::Result<AsyncSmtpConnection> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port)).await?;
        tcp.set_nodelay(true)?;
        let stream: Box<dyn AsyncTokioStream> = match self.security {
            Security::Implicit => {
                let name = ServerName::try_from(self.host.clone())?;
                Box::new(TlsStream(tls_connector().connect(name, tcp).await?))
            }
            _ => Box::new(tcp),
        };
        let mut conn = AsyncSmtpConnection::connect_with_transport(stream, &self.hello).await?;
        if let Security::StartTls { required } = self.security {
            if conn.can_starttls() {
                conn.starttls(TlsParameters::new(self.host.clone())?, &self.hello)
                    .await?;
            } else if required {
                bail!("the server does not offer STARTTLS");
            }
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await?;
        }
        Ok(conn)
    }
}

fn refused(e: lettre::transport::smtp::Error) -> SendError {
    SendError {
        permanent: e.is_permanent(),
        message: e.to_string(),
    }
}

/// Verifies servers against the Mozilla root certificates.
fn tls_connector() -> TlsConnector {
    static CONFIG: std::sync::OnceLock<Arc<rustls::ClientConfig>> = std::sync::OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("the ring provider supports the default TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        Arc::new(config)
    });
    TlsConnector::from(Arc::clone(config))
}

/// A TLS stream as lettre takes one.
#[derive(Debug)]
struct TlsStream(tokio_rustls::client::TlsStream<TcpStream>);

impl AsyncTokioStream for TlsStream {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

impl AsyncRead for TlsStream {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsStream {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
