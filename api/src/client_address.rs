//! The client's address, as the per-address limits count it: the peer of the connection, an IPv6
//! client by its /64 network (one subscriber usually holds a whole /64, so counting single IPv6
//! addresses would let one client count as billions).

use actix_web::HttpRequest;
use std::net::{IpAddr, Ipv6Addr};

/// The address a request is counted under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddress(Option<IpAddr>);

impl ClientAddress {
    /// The address of `req`'s peer.
    pub fn of(req: &HttpRequest) -> ClientAddress {
        ClientAddress(req.peer_addr().map(|a| counted(a.ip())))
    }
}

/// IPv4 as it is; IPv6 reduced to its /64 network (an IPv4-mapped IPv6 address as its IPv4).
fn counted(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
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

    #[test]
    fn ipv6_clients_are_counted_per_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa:bbbb:cccc:dddd".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2::1".parse().expect("ip");
        assert_eq!(counted(a), counted(b));
        assert_eq!(ClientAddress(Some(counted(a))).to_string(), "2001:db8:1:2::/64");
        let mapped: IpAddr = "::ffff:203.0.113.9".parse().expect("ip");
        assert_eq!(ClientAddress(Some(counted(mapped))).to_string(), "203.0.113.9");
    }
}
