//! The client's address, as the per-address limits count it (public verification, complaints,
//! objections, the sign-in throttle).
//!
//! It is the peer of the connection, unless the peer is one of the configured trusted proxies
//! (`SKILLCERT_TRUSTED_PROXIES`): then the `Forwarded` (RFC 7239) or else `X-Forwarded-For` header
//! is read from the right, skipping trusted proxies, and the first address that is not one is the
//! client (what a client writes at the left is never believed). An IPv6 client is counted by its
//! /64 network: one subscriber usually holds a whole /64, so counting single IPv6 addresses would
//! let one client count as billions.

use actix_web::HttpRequest;
use std::net::{IpAddr, Ipv6Addr};

/// A network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`, or one address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `a.b.c.d/n`, `x:y::/n` or a single address.
    pub fn parse(text: &str) -> Option<Cidr> {
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (text.trim().parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return None;
        }
        Some(Cidr { network: mask(addr, prefix), prefix })
    }

    /// Whether `ip` is in this network (an IPv4-mapped IPv6 address counts as its IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = unmapped(ip);
        ip.is_ipv4() == self.network.is_ipv4() && mask(ip, self.prefix) == self.network
    }
}

fn unmapped(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let m = if prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix)) };
            IpAddr::V4((bits & m).into())
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let m = if prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(prefix)) };
            IpAddr::V6((bits & m).into())
        }
    }
}

/// The address a request is counted under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddress(Option<IpAddr>);

impl ClientAddress {
    /// The client of `req`, with the trusted proxies the application holds (registered by
    /// `startup` as `web::Data<Vec<Cidr>>`, the same list as `AppState::trusted_proxies`).
    pub fn of(req: &HttpRequest) -> ClientAddress {
        let trusted =
            req.app_data::<actix_web::web::Data<Vec<Cidr>>>().map(|t| t.as_slice()).unwrap_or_default();
        ClientAddress::behind(req, trusted)
    }

    /// The client of `req` when `trusted` are the proxies whose forwarding headers are believed.
    pub fn behind(req: &HttpRequest, trusted: &[Cidr]) -> ClientAddress {
        let Some(peer) = req.peer_addr().map(|a| unmapped(a.ip())) else { return ClientAddress(None) };
        let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
        if !is_trusted(peer) {
            return ClientAddress(Some(counted(peer)));
        }
        let chain = forwarded_chain(req);
        // From the right: the nearest hop first; the first one that is not a trusted proxy.
        let client = chain.into_iter().rev().find(|ip| !is_trusted(*ip)).unwrap_or(peer);
        ClientAddress(Some(counted(client)))
    }

    /// The counted address (an IPv6 one is its /64 network address); `None` without a peer.
    pub fn ip(&self) -> Option<IpAddr> {
        self.0
    }
}

/// The addresses the proxies recorded, left (farthest) to right (nearest): `Forwarded`'s `for=`
/// values if the header is there, else `X-Forwarded-For`. Unparsable entries (`unknown`,
/// obfuscated names) end the chain there: nothing left of them is believed.
fn forwarded_chain(req: &HttpRequest) -> Vec<IpAddr> {
    let headers = req.headers();
    let forwarded: Vec<&str> = headers.get_all("forwarded").filter_map(|v| v.to_str().ok()).collect();
    let entries: Vec<String> = if forwarded.is_empty() {
        headers
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|s| s.trim().to_owned())
            .collect()
    } else {
        forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .map(|element| {
                element
                    .split(';')
                    .find_map(|pair| {
                        let (k, v) = pair.trim().split_once('=')?;
                        k.trim().eq_ignore_ascii_case("for").then(|| v.trim().trim_matches('"').to_owned())
                    })
                    .unwrap_or_default()
            })
            .collect()
    };
    let mut chain = Vec::with_capacity(entries.len());
    for e in entries {
        match parse_node(&e) {
            Some(ip) => chain.push(ip),
            // An entry we cannot read: everything to its left is unverifiable.
            None => chain.clear(),
        }
    }
    chain
}

/// `203.0.113.9`, `203.0.113.9:4711`, `[2001:db8::1]`, `[2001:db8::1]:4711` or `2001:db8::1`.
fn parse_node(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(unmapped(ip));
    }
    if let Some(rest) = text.strip_prefix('[') {
        return rest.split_once(']').and_then(|(ip, _)| ip.parse::<IpAddr>().ok()).map(unmapped);
    }
    text.rsplit_once(':').and_then(|(ip, port)| {
        port.parse::<u16>().ok()?;
        ip.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
    })
}

/// IPv4 as it is; IPv6 reduced to its /64 network.
fn counted(ip: IpAddr) -> IpAddr {
    match unmapped(ip) {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

impl std::fmt::Display for ClientAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(IpAddr::V6(v6)) => write!(f, "{v6}/64"),
            Some(ip) => write!(f, "{ip}"),
            None => f.write_str("unknown"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn from(peer: &str, headers: &[(&str, &str)], trusted: &[&str]) -> String {
        let mut r = TestRequest::default().peer_addr(peer.parse().expect("socket address"));
        for (k, v) in headers {
            r = r.insert_header((*k, *v));
        }
        let trusted: Vec<Cidr> = trusted.iter().map(|t| Cidr::parse(t).expect("cidr")).collect();
        ClientAddress::behind(&r.to_http_request(), &trusted).to_string()
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let xff = [("x-forwarded-for", "198.51.100.7, 203.0.113.9")];
        // No trusted proxy: the peer, whatever the headers say.
        assert_eq!(from("10.0.0.2:5000", &xff, &[]), "10.0.0.2");
        // A trusted proxy: the right-most address that is not a proxy.
        assert_eq!(from("10.0.0.2:5000", &xff, &["10.0.0.0/8"]), "203.0.113.9");
        // Two trusted hops: the proxy's own entry is skipped too.
        let two = [("x-forwarded-for", "198.51.100.7, 203.0.113.9, 10.0.0.5")];
        assert_eq!(from("10.0.0.2:5000", &two, &["10.0.0.0/8"]), "203.0.113.9");
        // A peer that is not trusted cannot forge one.
        assert_eq!(from("198.51.100.20:5000", &xff, &["10.0.0.0/8"]), "198.51.100.20");
        // RFC 7239 Forwarded, with quoted IPv6 and ports; it wins over X-Forwarded-For.
        let fwd = [
            ("forwarded", "for=198.51.100.7;proto=https, for=\"[2001:db8:cafe:1:2:3:4:5]:4711\""),
            ("x-forwarded-for", "192.0.2.1"),
        ];
        assert_eq!(from("10.0.0.2:5000", &fwd, &["10.0.0.0/8"]), "2001:db8:cafe:1::/64");
        // Everything is a proxy: the left-most known hop.
        assert_eq!(from("10.0.0.2:5000", &[("x-forwarded-for", "10.0.0.9")], &["10.0.0.0/8"]), "10.0.0.2");
        // An unreadable entry: nothing left of it is believed.
        let odd = [("x-forwarded-for", "203.0.113.9, unknown")];
        assert_eq!(from("10.0.0.2:5000", &odd, &["10.0.0.0/8"]), "10.0.0.2");
    }

    #[test]
    fn ipv6_clients_are_counted_per_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(from("[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:1", &[], &[]), "2001:db8:1:2::/64");
        assert_eq!(from("[::ffff:203.0.113.9]:1", &[], &[]), "203.0.113.9");
    }

    #[test]
    fn cidrs_parse_and_match() {
        let c = Cidr::parse("10.1.0.0/16").expect("cidr");
        assert!(c.contains("10.1.200.3".parse().expect("ip")));
        assert!(!c.contains("10.2.0.1".parse().expect("ip")));
        assert!(Cidr::parse("::1").expect("cidr").contains("::1".parse().expect("ip")));
        assert!(Cidr::parse("0.0.0.0/0").expect("cidr").contains("8.8.8.8".parse().expect("ip")));
        assert_eq!(Cidr::parse("10.0.0.0/33"), None);
        assert_eq!(Cidr::parse("nonsense"), None);
    }
}
