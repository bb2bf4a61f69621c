//! Where the client may connect for an output link (a `url` output, or a redirect of any
//! request): the output-URL policy.
//!
//! A server's answer names the hosts the client then downloads from, so a hostile or
//! broken server could point it at the user's LAN, this computer's own services or a
//! cloud metadata endpoint (`169.254.169.254`), directly or through redirects. The rules:
//!
//! - only `http` and `https` links; a redirect may go from `http` to `https` but not
//!   back, and at most [`MAX_REDIRECTS`] of them are followed;
//! - the host of the profile's base URL is trusted whatever its address (the client talks
//!   to it anyway: a gateway on the LAN keeps working);
//! - any other host must be a public address: not private (`10/8`, `172.16/12`,
//!   `192.168/16`, `100.64/10`, `fc00::/7`), link-local (`169.254/16` with the metadata
//!   address, `fe80::/10`), unspecified, multicast, broadcast or reserved. Loopback
//!   (`127/8`, `::1`) is allowed only when the base URL itself is loopback (the Sandbox,
//!   tests). IPv4 inside IPv6 (`::ffff:a.b.c.d`, NAT64, 6to4) is judged as the IPv4.
//!
//! [`output_address_allowed`] decides for one address. IP-literal hosts are checked
//! before a request is sent and at each redirect; host names are checked where they are
//! resolved: every resolution of the client goes through [`Resolve`] (the system's by
//! default, a stub in tests, [`ClientConfig::resolver`](crate::ClientConfig::resolver))
//! and the addresses the policy refuses are dropped, so the client never connects to
//! them (a name that resolves only to refused addresses fails with
//! [`Error::RefusedUrl`](crate::Error::RefusedUrl)).

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;

use url::{Host, Url};

/// Redirects followed for one request, at most.
pub const MAX_REDIRECTS: usize = 5;

/// What an output link's host may be, for one address: `Ok`, or why not (a phrase, e.g.
/// `"a private network address"`). `base_is_loopback`: the profile's base URL is itself
/// on loopback, so loopback links are the same machine's server.
pub fn output_address_allowed(base_is_loopback: bool, addr: IpAddr) -> Result<(), &'static str> {
    match addr {
        IpAddr::V4(v4) => v4_allowed(base_is_loopback, v4),
        IpAddr::V6(v6) => v6_allowed(base_is_loopback, v6),
    }
}

fn v4_allowed(base_is_loopback: bool, a: Ipv4Addr) -> Result<(), &'static str> {
    let o = a.octets();
    if a == Ipv4Addr::new(169, 254, 169, 254) {
        return Err("the cloud metadata address");
    }
    if a.is_loopback() {
        return if base_is_loopback { Ok(()) } else { Err("a loopback address (this computer)") };
    }
    if o[0] == 0 {
        return Err("an unspecified address");
    }
    if a.is_private() || (o[0] == 100 && (o[1] & 0xC0) == 64) {
        return Err("a private network address");
    }
    if a.is_link_local() {
        return Err("a link-local address");
    }
    if a.is_multicast() {
        return Err("a multicast address");
    }
    if a.is_broadcast()
        || o[0] >= 240
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        || (o[0] == 198 && (o[1] & 0xFE) == 18)
    {
        return Err("a reserved address");
    }
    Ok(())
}

fn v6_allowed(base_is_loopback: bool, a: Ipv6Addr) -> Result<(), &'static str> {
    let s = a.segments();
    // IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96): the IPv4 decides.
    if let Some(v4) = a.to_ipv4_mapped() {
        return v4_allowed(base_is_loopback, v4);
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        return v4_allowed(base_is_loopback, Ipv4Addr::from(((s[6] as u32) << 16) | s[7] as u32));
    }
    // 6to4 (2002:a.b.c.d::/48).
    if s[0] == 0x2002 {
        return v4_allowed(base_is_loopback, Ipv4Addr::from(((s[1] as u32) << 16) | s[2] as u32));
    }
    if a.is_loopback() {
        return if base_is_loopback { Ok(()) } else { Err("a loopback address (this computer)") };
    }
    if a.is_unspecified() {
        return Err("an unspecified address");
    }
    // IPv4-compatible (::a.b.c.d, deprecated).
    if s[0..6] == [0, 0, 0, 0, 0, 0] {
        return v4_allowed(base_is_loopback, Ipv4Addr::from(((s[6] as u32) << 16) | s[7] as u32));
    }
    if (s[0] & 0xFE00) == 0xFC00 || (s[0] & 0xFFC0) == 0xFEC0 {
        return Err("a private network address");
    }
    if (s[0] & 0xFFC0) == 0xFE80 {
        return Err("a link-local address");
    }
    if a.is_multicast() {
        return Err("a multicast address");
    }
    Ok(())
}

/// Whether a host (as in a URL: a name, an IPv4, or an IPv6 with or without brackets) is
/// this computer: a loopback address, `localhost` or a name under `.localhost`.
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']').trim_end_matches('.');
    let lower = h.to_ascii_lowercase();
    lower == "localhost" || lower.ends_with(".localhost") || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Why the client refused to follow a link or connect to an address: a phrase such as
/// `the link points to 169.254.169.254, the cloud metadata address`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// The output-URL policy of one client, from its base URL (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputPolicy {
    base_host: Option<Host<String>>,
    base_is_loopback: bool,
}

impl OutputPolicy {
    /// The policy for a client of `base_url`.
    pub fn for_base(base_url: &str) -> OutputPolicy {
        let base_host = Url::parse(base_url).ok().and_then(|u| u.host().map(|h| h.to_owned()));
        let base_is_loopback = base_host.as_ref().is_some_and(|h| match h {
            Host::Domain(d) => is_loopback_host(d),
            Host::Ipv4(a) => a.is_loopback(),
            Host::Ipv6(a) => a.is_loopback(),
        });
        OutputPolicy { base_host, base_is_loopback }
    }

    /// Whether the base URL is on loopback (so loopback links are allowed).
    pub fn base_is_loopback(&self) -> bool {
        self.base_is_loopback
    }

    fn is_base_host(&self, host: &Host<&str>) -> bool {
        match (&self.base_host, host) {
            (Some(Host::Domain(b)), Host::Domain(h)) => b.eq_ignore_ascii_case(h.trim_end_matches('.')),
            (Some(Host::Ipv4(b)), Host::Ipv4(h)) => b == h,
            (Some(Host::Ipv6(b)), Host::Ipv6(h)) => b == h,
            _ => false,
        }
    }

    /// Whether a host name is the base URL's (trusted whatever it resolves to).
    pub fn is_base_name(&self, name: &str) -> bool {
        self.is_base_host(&Host::Domain(name))
    }

    /// Checks a link before it is requested: its scheme, and its host when it is an IP
    /// address (names are checked when they are resolved, [`filter_addrs`](Self::filter_addrs)).
    pub fn check_url(&self, url: &Url) -> Result<(), Refused> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refused(format!("the link is a {}: URL, and only http(s) links are downloaded", url.scheme())));
        }
        let Some(host) = url.host() else {
            return Err(Refused("the link has no host".into()));
        };
        if self.is_base_host(&host) {
            return Ok(());
        }
        let ip = match host {
            Host::Ipv4(a) => IpAddr::V4(a),
            Host::Ipv6(a) => IpAddr::V6(a),
            Host::Domain(_) => return Ok(()),
        };
        output_address_allowed(self.base_is_loopback, ip)
            .map_err(|why| Refused(format!("the link points to {ip}, {why}")))
    }

    /// Checks one redirect, `hops` being the redirects already followed (this one not
    /// included) and `from` the URL that answered it.
    pub fn check_redirect(&self, from: Option<&Url>, to: &Url, hops: usize) -> Result<(), Refused> {
        if hops >= MAX_REDIRECTS {
            return Err(Refused(format!("the server redirected more than {MAX_REDIRECTS} times")));
        }
        if !matches!(to.scheme(), "http" | "https") {
            return Err(Refused(format!(
                "the server redirected to a {}: URL, and only http(s) links are followed",
                to.scheme()
            )));
        }
        if from.is_some_and(|f| f.scheme() == "https") && to.scheme() == "http" {
            return Err(Refused("the server redirected from https to plain http".into()));
        }
        self.check_url(to).map_err(|Refused(why)| {
            Refused(format!("the server redirected to a link that {}", why.trim_start_matches("the link ")))
        })
    }

    /// The addresses of `host` the client may connect to; an error if none is left.
    pub fn filter_addrs(&self, host: &str, addrs: impl IntoIterator<Item = IpAddr>) -> Result<Vec<IpAddr>, Refused> {
        let all: Vec<IpAddr> = addrs.into_iter().collect();
        if self.is_base_name(host) {
            return Ok(all);
        }
        let mut first_refusal = None;
        let kept: Vec<IpAddr> = all
            .iter()
            .copied()
            .filter(|ip| match output_address_allowed(self.base_is_loopback, *ip) {
                Ok(()) => true,
                Err(why) => {
                    first_refusal.get_or_insert((*ip, why));
                    false
                }
            })
            .collect();
        match (kept.is_empty(), first_refusal) {
            (false, _) => Ok(kept),
            (true, Some((ip, why))) => Err(Refused(format!("the link's host {host} resolves to {ip}, {why}"))),
            (true, None) => Err(Refused(format!("the link's host {host} has no address"))),
        }
    }

    /// Resolves `host` with `resolver` and keeps the allowed addresses.
    pub async fn resolve(&self, resolver: &dyn Resolve, host: &str) -> Result<Vec<IpAddr>, ResolveError> {
        let addrs = resolver.resolve(host).await.map_err(ResolveError::Io)?;
        self.filter_addrs(host, addrs).map_err(ResolveError::Refused)
    }
}

/// Why a name could not be used.
#[derive(Debug)]
pub enum ResolveError {
    /// The resolver failed (no such name, no network).
    Io(io::Error),
    /// Every address was refused by the policy.
    Refused(Refused),
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveError::Io(e) => write!(f, "{e}"),
            ResolveError::Refused(r) => write!(f, "{r}"),
        }
    }
}

impl std::error::Error for ResolveError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ResolveError::Io(e) => Some(e),
            ResolveError::Refused(r) => Some(r),
        }
    }
}

/// The future of a resolution.
pub type Resolving = Pin<Box<dyn Future<Output = io::Result<Vec<IpAddr>>> + Send>>;

/// Host-name resolution, the hook of [`ClientConfig::resolver`](crate::ClientConfig::resolver):
/// every name the client connects to is resolved through it, and its answers go through
/// the [`OutputPolicy`].
pub trait Resolve: Send + Sync {
    fn resolve(&self, host: &str) -> Resolving;
}

/// The system's resolver (`getaddrinfo`, off the async threads).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, host: &str) -> Resolving {
        let host = host.to_string();
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host.as_str(), 0)).await?;
            Ok(addrs.map(|a| a.ip()).collect())
        })
    }
}

/// A fixed table of names, for tests: a name not in it does not resolve.
#[derive(Clone, Debug, Default)]
pub struct StaticResolver(pub Vec<(String, Vec<IpAddr>)>);

impl StaticResolver {
    pub fn new<S: Into<String>>(entries: impl IntoIterator<Item = (S, Vec<IpAddr>)>) -> StaticResolver {
        StaticResolver(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

impl Resolve for StaticResolver {
    fn resolve(&self, host: &str) -> Resolving {
        let found = self.0.iter().find(|(k, _)| k.eq_ignore_ascii_case(host)).map(|(_, v)| v.clone());
        let host = host.to_string();
        Box::pin(async move {
            found.ok_or_else(|| {
                io::Error::new(io::ErrorKind::NotFound, format!("{host} is not in the test resolver's table"))
            })
        })
    }
}

/// The client's resolver for reqwest: the hook, then the policy.
pub(crate) struct PolicyResolver {
    pub(crate) policy: OutputPolicy,
    pub(crate) inner: Arc<dyn Resolve>,
}

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        let inner = self.inner.clone();
        Box::pin(async move {
            let ips = policy
                .resolve(inner.as_ref(), name.as_str())
                .await
                .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { Box::new(e) })?;
            let addrs: reqwest::dns::Addrs = Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

/// The redirect policy of the client's connections: [`OutputPolicy::check_redirect`] at
/// every hop.
pub(crate) fn redirect_policy(policy: OutputPolicy) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        let hops = attempt.previous().len().saturating_sub(1);
        let verdict = policy.check_redirect(attempt.previous().last(), attempt.url(), hops);
        match verdict {
            Ok(()) => attempt.follow(),
            Err(r) => attempt.error(r),
        }
    })
}

/// The policy's refusal somewhere in an error's chain of sources.
pub(crate) fn refusal_in(e: &(dyn std::error::Error + 'static)) -> Option<Refused> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cur {
        if let Some(r) = c.downcast_ref::<Refused>() {
            return Some(r.clone());
        }
        cur = c.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_by_class() {
        for (a, why) in [
            ("10.0.0.1", "a private network address"),
            ("10.255.255.255", "a private network address"),
            ("172.16.0.1", "a private network address"),
            ("172.31.255.254", "a private network address"),
            ("192.168.1.1", "a private network address"),
            ("100.64.0.1", "a private network address"),
            ("100.127.255.254", "a private network address"),
            ("169.254.169.254", "the cloud metadata address"),
            ("169.254.0.1", "a link-local address"),
            ("0.0.0.0", "an unspecified address"),
            ("0.1.2.3", "an unspecified address"),
            ("224.0.0.1", "a multicast address"),
            ("239.255.255.250", "a multicast address"),
            ("255.255.255.255", "a reserved address"),
            ("240.0.0.1", "a reserved address"),
            ("198.18.0.1", "a reserved address"),
            ("127.0.0.1", "a loopback address (this computer)"),
            ("127.8.9.10", "a loopback address (this computer)"),
            ("::1", "a loopback address (this computer)"),
            ("::", "an unspecified address"),
            ("fc00::1", "a private network address"),
            ("fd00:ec2::254", "a private network address"),
            ("fec0::1", "a private network address"),
            ("fe80::1", "a link-local address"),
            ("febf::1", "a link-local address"),
            ("ff02::1", "a multicast address"),
            ("::ffff:10.0.0.1", "a private network address"),
            ("::ffff:169.254.169.254", "the cloud metadata address"),
            ("::ffff:127.0.0.1", "a loopback address (this computer)"),
            ("64:ff9b::a9fe:a9fe", "the cloud metadata address"),
            ("2002:c0a8:0101::1", "a private network address"),
            ("::192.168.0.1", "a private network address"),
        ] {
            assert_eq!(output_address_allowed(false, ip(a)), Err(why), "{a}");
        }
        for a in [
            "8.8.8.8",
            "93.184.216.34",
            "172.32.0.1",
            "172.15.255.255",
            "100.128.0.1",
            "169.253.1.1",
            "2606:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert_eq!(output_address_allowed(false, ip(a)), Ok(()), "{a}");
            assert_eq!(output_address_allowed(true, ip(a)), Ok(()), "{a}");
        }
        // Loopback only for a loopback base; the rest stays refused for it too.
        for a in ["127.0.0.1", "127.0.0.53", "::1", "::ffff:127.0.0.1"] {
            assert_eq!(output_address_allowed(true, ip(a)), Ok(()), "{a}");
        }
        for a in ["169.254.169.254", "10.1.2.3", "192.168.0.10", "fe80::1", "0.0.0.0", "::", "224.0.0.251"] {
            assert!(output_address_allowed(true, ip(a)).is_err(), "{a}");
        }
    }

    #[test]
    fn loopback_bases() {
        for b in [
            "http://127.0.0.1:8787",
            "http://localhost:1",
            "http://[::1]:9",
            "http://pixapi.localhost",
            "http://127.1.2.3",
        ] {
            assert!(OutputPolicy::for_base(b).base_is_loopback(), "{b}");
        }
        for b in [
            "https://api.pixapi.ai",
            "http://192.168.1.5:8080",
            "http://localhost.example.com",
            "http://127.0.0.1.nip.io",
        ] {
            assert!(!OutputPolicy::for_base(b).base_is_loopback(), "{b}");
        }
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn links_by_scheme_and_literal_host() {
        let public = OutputPolicy::for_base("https://api.pixapi.ai");
        let local = OutputPolicy::for_base("http://127.0.0.1:8787");
        for u in ["file:///etc/passwd", "ftp://cdn.example/x.png", "gopher://x/", "javascript:alert(1)"] {
            let e = public.check_url(&url(u)).unwrap_err();
            assert!(e.0.contains("only http(s)"), "{u}: {e}");
            assert!(local.check_url(&url(u)).is_err(), "{u}");
        }
        for u in [
            "http://169.254.169.254/latest/meta-data/",
            "http://2852039166/",          // 169.254.169.254 in decimal
            "http://0xa9.0xfe.0xa9.0xfe/", // and in hex
            "http://[::ffff:a9fe:a9fe]/",
            "http://10.0.0.1/x.png",
            "http://192.168.1.1:8080/",
            "http://[fe80::1]/",
            "http://127.0.0.1:22/",
            "http://0.0.0.0/",
        ] {
            assert!(public.check_url(&url(u)).is_err(), "{u}");
        }
        assert!(public
            .check_url(&url("http://2852039166/"))
            .unwrap_err()
            .0
            .contains("169.254.169.254, the cloud metadata address"));
        // Names pass here: they are judged when resolved.
        assert!(public.check_url(&url("https://cdn.pixapi.ai/generated/x.png")).is_ok());
        assert!(public.check_url(&url("http://93.184.216.34/x.png")).is_ok());
        // A loopback base may use loopback links (other ports too), nothing else local.
        assert!(local.check_url(&url("http://127.0.0.1:9999/files/x.png")).is_ok());
        assert!(local.check_url(&url("http://[::1]:9999/files/x.png")).is_ok());
        assert!(local.check_url(&url("http://169.254.169.254/")).is_err());
        assert!(local.check_url(&url("http://10.0.0.1/")).is_err());
        // The base's own host is trusted, whatever its address.
        let lan = OutputPolicy::for_base("http://192.168.1.5:8080");
        assert!(lan.check_url(&url("http://192.168.1.5:8080/files/x.png")).is_ok());
        assert!(lan.check_url(&url("http://192.168.1.6/")).is_err());
        assert!(lan.check_url(&url("http://127.0.0.1/")).is_err());
    }

    #[test]
    fn redirects() {
        let p = OutputPolicy::for_base("https://api.pixapi.ai");
        let from = url("https://cdn.pixapi.ai/a.png");
        assert!(p.check_redirect(Some(&from), &url("https://cdn2.pixapi.ai/a.png"), 0).is_ok());
        assert!(p.check_redirect(Some(&url("http://cdn.pixapi.ai/a")), &url("https://cdn.pixapi.ai/a"), 0).is_ok());
        let e = p.check_redirect(Some(&from), &url("http://cdn.pixapi.ai/a.png"), 0).unwrap_err();
        assert!(e.0.contains("https to plain http"), "{e}");
        let e = p.check_redirect(Some(&from), &url("file:///etc/passwd"), 0).unwrap_err();
        assert!(e.0.contains("file: URL"), "{e}");
        let e = p.check_redirect(Some(&from), &url("https://169.254.169.254/latest/"), 0).unwrap_err();
        assert!(e.0.contains("cloud metadata"), "{e}");
        let e = p.check_redirect(Some(&from), &url("https://cdn.pixapi.ai/b.png"), MAX_REDIRECTS).unwrap_err();
        assert!(e.0.contains("more than 5"), "{e}");
        assert!(p.check_redirect(Some(&from), &url("https://cdn.pixapi.ai/b.png"), MAX_REDIRECTS - 1).is_ok());
    }

    #[tokio::test]
    async fn resolution_is_filtered_with_a_stubbed_resolver() {
        let stub = StaticResolver::new([
            ("metadata.test", vec![ip("169.254.169.254")]),
            ("lan.test", vec![ip("192.168.0.10"), ip("fd12::1")]),
            ("mixed.test", vec![ip("10.0.0.1"), ip("93.184.216.34"), ip("fe80::1"), ip("2606:4700::1111")]),
            ("public.test", vec![ip("93.184.216.34")]),
            ("rebind.test", vec![ip("127.0.0.1")]),
            ("gateway.lan", vec![ip("192.168.1.5")]),
        ]);
        let p = OutputPolicy::for_base("https://api.pixapi.ai");
        let refused = |r: Result<Vec<IpAddr>, ResolveError>| match r {
            Err(ResolveError::Refused(Refused(why))) => why,
            other => panic!("{other:?}"),
        };
        assert!(
            refused(p.resolve(&stub, "metadata.test").await).contains("169.254.169.254, the cloud metadata address")
        );
        assert!(refused(p.resolve(&stub, "lan.test").await).contains("a private network address"));
        assert!(refused(p.resolve(&stub, "rebind.test").await).contains("loopback"));
        assert_eq!(p.resolve(&stub, "mixed.test").await.unwrap(), vec![ip("93.184.216.34"), ip("2606:4700::1111")]);
        assert_eq!(p.resolve(&stub, "public.test").await.unwrap(), vec![ip("93.184.216.34")]);
        assert!(matches!(p.resolve(&stub, "unknown.test").await, Err(ResolveError::Io(_))));
        // A loopback base: loopback names are fine, the LAN and metadata still are not.
        let local = OutputPolicy::for_base("http://127.0.0.1:8787");
        assert_eq!(local.resolve(&stub, "rebind.test").await.unwrap(), vec![ip("127.0.0.1")]);
        assert!(local.resolve(&stub, "metadata.test").await.is_err());
        // The base's own name is trusted whatever it resolves to.
        let lan = OutputPolicy::for_base("http://gateway.lan:8080");
        assert_eq!(lan.resolve(&stub, "gateway.lan").await.unwrap(), vec![ip("192.168.1.5")]);
        assert_eq!(lan.resolve(&stub, "GATEWAY.LAN").await.unwrap(), vec![ip("192.168.1.5")]);
        assert!(lan.resolve(&stub, "lan.test").await.is_err());
    }

    #[test]
    fn refusals_are_found_in_error_chains() {
        let e = ResolveError::Refused(Refused("x".into()));
        assert_eq!(refusal_in(&e), Some(Refused("x".into())));
        let io = io::Error::other("nope");
        assert_eq!(refusal_in(&io), None);
    }
}
