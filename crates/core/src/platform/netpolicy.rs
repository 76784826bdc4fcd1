//! Which network addresses the platform may send requests to (webhooks and
//! robots now; site checks with the monitoring). Pure rules.
//!
//! By default: public addresses only. Link-local (cloud metadata such as
//! 169.254.169.254 sits there), loopback, private, shared, multicast and
//! other special ranges are refused unless `allow` names them; `deny` wins
//! over everything.

use std::net::IpAddr;

/// Reserved names (RFC 2606 / 6761: `.example`, `.test`, `.invalid`,
/// `.localhost`, `example.com`) are never sent to DNS: demo data and tests
/// use them, and must not send a packet off the machine. The monitor's
/// fetcher and the notification sender both apply this.
pub fn is_reserved_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let tld = host.rsplit('.').next().unwrap_or("");
    matches!(tld, "example" | "test" | "invalid" | "localhost")
        || host.ends_with(".example.com")
        || host == "example.com"
}

/// A name answered without DNS (`[monitor.hosts]`, `[network.hosts]`): the
/// name and its subdomains go to `ip` (and `port`, when given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRoute {
    pub name: String,
    pub ip: IpAddr,
    pub port: Option<u16>,
}

impl HostRoute {
    pub fn new(name: &str, ip: IpAddr, port: Option<u16>) -> HostRoute {
        HostRoute { name: name.trim_end_matches('.').to_ascii_lowercase(), ip, port }
    }

    pub fn covers(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        host == self.name || host.strip_suffix(self.name.as_str()).is_some_and(|p| p.ends_with('.'))
    }
}

/// A network in CIDR notation (`10.0.0.0/8`, `fd00::/8`, or one address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl Net {
    pub fn parse(s: &str) -> Option<Net> {
        let (a, p) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max)?,
            None => max,
        };
        Some(Net { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(self.prefix)) };
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(self.prefix)) };
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is judged as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// Ranges refused unless allowed: everything that is not the public internet.
pub const SPECIAL: [&str; 17] = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::/128",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
    "64:ff9b::/96",
];

/// `SPECIAL`, parsed once (every resolved address is judged against it).
static SPECIAL_NETS: std::sync::LazyLock<Vec<Net>> =
    std::sync::LazyLock::new(|| SPECIAL.iter().filter_map(|s| Net::parse(s)).collect());

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetPolicy {
    /// Special ranges made reachable (e.g. the campus `10.0.0.0/8`).
    pub allow: Vec<Net>,
    /// Refused always, even when public or allowed.
    pub deny: Vec<Net>,
}

impl Default for NetPolicy {
    fn default() -> Self {
        NetPolicy { allow: Vec::new(), deny: vec![Net { addr: IpAddr::from([169, 254, 169, 254]), prefix: 32 }] }
    }
}

impl NetPolicy {
    /// From configuration lists; names the first entry that is not a network.
    pub fn from_lists(allow: &[String], deny: &[String]) -> Result<NetPolicy, String> {
        let parse = |list: &[String]| -> Result<Vec<Net>, String> {
            list.iter().map(|s| Net::parse(s).ok_or_else(|| format!("not a network: {s:?}"))).collect()
        };
        let mut policy = NetPolicy { allow: parse(allow)?, ..NetPolicy::default() };
        policy.deny.extend(parse(deny)?);
        Ok(policy)
    }

    /// Loopback allowed: for tests and benchmarks that run their peers on this machine.
    pub fn loopback() -> NetPolicy {
        let mut p = NetPolicy::default();
        p.allow.extend(["127.0.0.0/8", "::1/128"].iter().filter_map(|s| Net::parse(s)));
        p
    }

    pub fn permits(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        if self.deny.iter().any(|n| n.contains(ip)) {
            return false;
        }
        let special = SPECIAL_NETS.iter().any(|n| n.contains(ip));
        !special || self.allow.iter().any(|n| n.contains(ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_parse_and_contain() {
        let n = Net::parse("10.0.0.0/8").unwrap();
        assert!(n.contains(ip("10.200.3.4")));
        assert!(!n.contains(ip("11.0.0.1")));
        assert!(n.contains(ip("::ffff:10.1.1.1")), "IPv4-mapped IPv6 counts as IPv4");
        assert!(Net::parse("fd00::/8").unwrap().contains(ip("fd12::1")));
        assert!(Net::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert_eq!(Net::parse("192.0.2.1").unwrap(), Net::parse("192.0.2.1/32").unwrap());
        assert!(Net::parse("10.0.0.0/33").is_none());
        assert!(Net::parse("campus").is_none());
    }

    #[test]
    fn only_the_public_internet_by_default() {
        assert_eq!(SPECIAL_NETS.len(), SPECIAL.len(), "every special range parses");
        let p = NetPolicy::default();
        assert!(p.permits(ip("203.0.113.7")));
        assert!(p.permits(ip("2001:db8::1")));
        for denied in [
            "169.254.169.254",
            "127.0.0.1",
            "10.1.2.3",
            "192.168.1.1",
            "172.20.0.1",
            "::1",
            "fe80::1",
            "0.0.0.0",
            "::ffff:127.0.0.1",
        ] {
            assert!(!p.permits(ip(denied)), "{denied}");
        }
    }

    #[test]
    fn allow_opens_a_range_and_deny_wins() {
        let p =
            NetPolicy::from_lists(&["10.0.0.0/8".into(), "169.254.0.0/16".into()], &["10.9.0.0/16".into()]).unwrap();
        assert!(p.permits(ip("10.1.2.3")));
        assert!(!p.permits(ip("10.9.1.1")), "deny wins over allow");
        assert!(!p.permits(ip("169.254.169.254")), "the metadata address stays denied");
        assert!(p.permits(ip("169.254.1.1")));
        assert!(NetPolicy::from_lists(&["campus".into()], &[]).is_err());
        assert!(NetPolicy::loopback().permits(ip("127.0.0.1")));
    }
}
