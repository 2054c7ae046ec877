//! Requests the portal makes to URLs someone else chose (a DRP agent's `status_callback`;
//! later webhooks). Such a URL must not turn the portal into a way into its own network,
//! so an address that is not on the public internet (loopback, private, link-local with
//! the cloud metadata service, CGNAT, multicast, …) is refused twice: when the URL is
//! stored, for literal addresses and names that are local by definition, and at connect
//! time, by a resolver that drops such addresses from every answer, so a name that
//! resolves elsewhere later (DNS rebinding) is refused too. Literal addresses never reach
//! a resolver, so the client checks them itself before each request.
//! `[outbound] allow_private_addresses` lifts the refusal (tests, closed networks).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// Why a URL may not be called.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("must be an http(s) URL")]
    NotHttp,
    #[error("must name a host")]
    NoHost,
    #[error("must not point at a loopback, private, link-local or other non-public address")]
    NotPublic,
    #[error("must name a host that resolves")]
    DoesNotResolve,
}

/// Whether an address is reachable on the public internet and so fit to be called on
/// someone else's say-so. Embedded IPv4 addresses (mapped, compatible, NAT64, 6to4) are
/// judged as the IPv4 address they reach.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let refused = a == 0 // "this network", with the unspecified address
        || a == 10 // RFC 1918
        || a == 127 // loopback
        || (a == 100 && (64..128).contains(&b)) // CGNAT, RFC 6598
        || (a == 169 && b == 254) // link-local, with the metadata service 169.254.169.254
        || (a == 172 && (16..32).contains(&b)) // RFC 1918
        || (a == 192 && b == 168) // RFC 1918
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // documentation
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || (a == 198 && b == 51 && c == 100) // documentation
        || (a == 203 && b == 0 && c == 113) // documentation
        || a >= 224; // multicast, reserved and broadcast
    !refused
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    if let Some(v4) = embedded_v4(ip) {
        return is_public_v4(v4);
    }
    let refused = ip.is_unspecified()
        || ip.is_loopback()
        || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated)
        || (s[0] & 0xff00) == 0xff00 // multicast
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]) // discard-only 100::/64
        || s[0] == 0; // the rest of ::/16 (IPv4-compatible and reserved)
    !refused
}

/// The IPv4 address an IPv6 address stands for: IPv4-mapped `::ffff:a.b.c.d`,
/// IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`, 6to4 `2002:aabb:ccdd::`.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let o = ip.octets();
    let low = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(low),
        [0, 0, 0, 0, 0, 0, hi, _] if hi != 0 => Some(low),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low),
        [0x2002, _, _, _, _, _, _, _] => Some(Ipv4Addr::new(o[2], o[3], o[4], o[5])),
        _ => None,
    }
}

/// Checks a URL before it is stored: an http(s) URL whose host is not a literal
/// non-public address nor a name that is local by definition (`localhost`). Names are
/// not looked up here (that would put DNS on the intake path and prove nothing about
/// later): the connect-time resolver judges what they resolve to.
pub fn check_url(raw: &str, allow_private: bool) -> Result<Url, Refused> {
    let url = Url::parse(raw.trim()).map_err(|_| Refused::NotHttp)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Refused::NotHttp);
    }
    let public = match url.host() {
        None => return Err(Refused::NoHost),
        Some(Host::Ipv4(ip)) => is_public(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_public(IpAddr::V6(ip)),
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            !(name.is_empty() || name == "localhost" || name.ends_with(".localhost"))
        }
    };
    if public || allow_private {
        Ok(url)
    } else {
        Err(Refused::NotPublic)
    }
}

/// Checks a URL the portal will keep calling (a recipient's webhook) before it is
/// stored: `check_url`, and then its host must resolve, with `resolver`, to addresses
/// that are all public unless private ones are allowed. The connect-time check still
/// applies to every later call.
pub async fn check_url_resolving(
    raw: &str,
    allow_private: bool,
    resolver: &dyn Resolve,
) -> Result<Url, Refused> {
    let url = check_url(raw, allow_private)?;
    let Some(Host::Domain(name)) = url.host() else {
        return Ok(url);
    };
    let name: Name = name.parse().map_err(|_| Refused::DoesNotResolve)?;
    let addrs: Vec<SocketAddr> = match resolver.resolve(name).await {
        Ok(addrs) => addrs.collect(),
        Err(_) => return Err(Refused::DoesNotResolve),
    };
    if addrs.is_empty() {
        return Err(Refused::DoesNotResolve);
    }
    if !allow_private && addrs.iter().any(|a| !is_public(a.ip())) {
        return Err(Refused::NotPublic);
    }
    Ok(url)
}

/// Looks names up with the operating system's resolver.
#[derive(Debug, Default)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Drops every non-public address from the answers of `inner`; a name left with none is
/// an error, so the connection is never attempted.
struct PublicOnly {
    inner: Arc<dyn Resolve>,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let lookup = self.inner.resolve(name);
        Box::pin(async move {
            let public: Vec<SocketAddr> = lookup.await?.filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err("the name resolves only to non-public addresses".into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// Why an outbound request did not get an answer.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The URL itself is refused: trying again will not help.
    #[error("refused: the URL {0}")]
    Refused(Refused),
    #[error("could not be reached: {0}")]
    Unreachable(String),
}

/// An HTTP client for URLs others chose: no proxies from the environment (a proxy would
/// resolve the name instead of us), no redirects (a redirect could point anywhere), and
/// only public addresses unless the settings allow private ones.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    allow_private: bool,
}

impl Client {
    /// A client resolving names with `resolver` (the system's, or a test's own).
    pub fn new(
        timeout: Duration,
        allow_private: bool,
        resolver: Arc<dyn Resolve>,
    ) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy();
        builder = if allow_private {
            builder.dns_resolver(Arc::new(Passthrough(resolver)))
        } else {
            builder.dns_resolver(Arc::new(PublicOnly { inner: resolver }))
        };
        Ok(Self {
            http: builder.build()?,
            allow_private,
        })
    }

    /// The client the worker uses, with the system's resolver.
    pub fn from_settings(settings: &crate::config::Settings) -> anyhow::Result<Self> {
        Self::new(
            Duration::from_secs(settings.drp.callback_timeout_seconds),
            settings.outbound.allow_private_addresses,
            Arc::new(SystemResolver),
        )
    }

    /// POSTs `body` as JSON to `url`, after checking the URL again (the settings may
    /// have changed since it was stored).
    pub async fn post_json(
        &self,
        url: &str,
        body: &serde_json::Value,
    ) -> Result<reqwest::Response, SendError> {
        let url = check_url(url, self.allow_private).map_err(SendError::Refused)?;
        self.http
            .post(url)
            .json(body)
            .send()
            .await
            .map_err(|e| SendError::Unreachable(error_chain(&e)))
    }
}

impl Client {
    /// POSTs `body` (JSON) to `url` with extra `headers`, after checking the URL again.
    pub async fn post_signed(
        &self,
        url: &str,
        body: Vec<u8>,
        headers: &[(&'static str, String)],
    ) -> Result<reqwest::Response, SendError> {
        let url = check_url(url, self.allow_private).map_err(SendError::Refused)?;
        let mut request = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        request
            .send()
            .await
            .map_err(|e| SendError::Unreachable(error_chain(&e)))
    }
}

/// `inner` as it is, for settings that allow private addresses.
struct Passthrough(Arc<dyn Resolve>);

impl Resolve for Passthrough {
    fn resolve(&self, name: Name) -> Resolving {
        self.0.resolve(name)
    }
}

/// An error with its causes, which is where reqwest says what went wrong.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(ip: &str) -> bool {
        is_public(ip.parse().unwrap())
    }

    #[test]
    fn ipv4_addresses_off_the_public_internet_are_refused() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "127.0.0.1",
            "127.255.255.254",
            "10.0.0.1",
            "10.255.255.255",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "169.254.0.1",
            "100.64.0.1",
            "100.127.255.255",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "198.18.0.1",
            "198.51.100.7",
            "203.0.113.9",
        ] {
            assert!(!public(ip), "{ip} is refused");
        }
    }

    #[test]
    fn ipv4_neighbours_of_the_refused_ranges_are_public() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "169.253.255.255",
            "169.255.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
        ] {
            assert!(public(ip), "{ip} is public");
        }
    }

    #[test]
    fn ipv6_addresses_off_the_public_internet_are_refused() {
        for ip in [
            "::",
            "::1",
            "fc00::1",
            "fd12:3456:789a::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "ff05::1:3",
            "2001:db8::1",
            "100::1",
        ] {
            assert!(!public(ip), "{ip} is refused");
        }
        for ip in [
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
            "2a00:1450::1",
        ] {
            assert!(public(ip), "{ip} is public");
        }
    }

    #[test]
    fn embedded_ipv4_addresses_are_judged_as_what_they_reach() {
        for ip in [
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:100.64.0.1",
            "::ffff:0.0.0.0",
            "::ffff:255.255.255.255",
            "::127.0.0.1",
            "::10.1.2.3",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::7f00:1",
            "2002:7f00:1::",
            "2002:c0a8:101::1",
        ] {
            assert!(!public(ip), "{ip} is refused");
        }
        for ip in ["::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"] {
            assert!(public(ip), "{ip} is public");
        }
    }

    #[test]
    fn stored_urls_are_refused_for_literal_local_addresses_and_local_names() {
        for url in [
            "http://127.0.0.1:8080/cb",
            "http://169.254.169.254/latest/meta-data/",
            "https://10.0.0.5/hook",
            "http://[::1]/cb",
            "http://[::ffff:192.168.0.1]/cb",
            "http://localhost/cb",
            "http://LOCALHOST./cb",
            "http://api.localhost/cb",
            // Spellings the URL parser reads as IPv4 addresses.
            "http://2130706433/cb",
            "http://0x7f.1/cb",
            "http://017700000001/cb",
            "http://0/cb",
        ] {
            assert_eq!(
                check_url(url, false).map(|_| ()),
                Err(Refused::NotPublic),
                "{url}"
            );
            assert!(check_url(url, true).is_ok(), "{url} allowed");
        }
        for url in ["ftp://agent.example/cb", "javascript:alert(1)", "not a url"] {
            assert_eq!(
                check_url(url, true).map(|_| ()),
                Err(Refused::NotHttp),
                "{url}"
            );
        }
        assert!(check_url("https://agent.example/drp/callback", false).is_ok());
        assert!(check_url("http://93.184.215.14/cb", false).is_ok());
    }
}
