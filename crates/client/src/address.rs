//! Side addresses: `HOST:PORT`, or a bare `HOST` (`cti-a.example.com`, `10.0.0.5`, `[fd00::5]`) that gets the
//! side's default port — 42027 / 43027 in plain TCP, 42030 / 43030 with TLS (the CTI Server's secured ports
//! from UCCE 12.0).

use crate::schedule::Side;

/// The CTI Server's default plain-TCP port of `side`.
pub const fn plain_port(side: Side) -> u16 {
    match side {
        Side::A => 42027,
        Side::B => 43027,
    }
}

/// The CTI Server's default TLS port of `side`.
pub const fn tls_port(side: Side) -> u16 {
    match side {
        Side::A => 42030,
        Side::B => 43030,
    }
}

/// The host of an address (IPv6 without its brackets) and its port when it has one.
pub fn split(addr: &str) -> (&str, Option<u16>) {
    if let Some(rest) = addr.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((host, tail)) => (host, tail.strip_prefix(':').and_then(|p| p.parse().ok())),
            None => (rest, None),
        };
    }
    if addr.parse::<std::net::Ipv6Addr>().is_ok() {
        return (addr, None);
    }
    match addr.rsplit_once(':') {
        Some((host, port)) => match port.parse() {
            Ok(p) => (host, Some(p)),
            Err(_) => (addr, None),
        },
        None => (addr, None),
    }
}

/// `addr` with `port` added when it has none.
pub fn with_default_port(addr: &str, port: u16) -> String {
    match split(addr) {
        (_, Some(_)) => addr.to_owned(),
        (host, None) if host.contains(':') => format!("[{host}]:{port}"),
        (host, None) => format!("{host}:{port}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_hosts_get_the_default_port() {
        assert_eq!(with_default_port("cti-a", 42030), "cti-a:42030");
        assert_eq!(with_default_port("cti-a:1234", 42030), "cti-a:1234");
        assert_eq!(with_default_port("10.0.0.5", 43030), "10.0.0.5:43030");
        assert_eq!(with_default_port("::1", 42030), "[::1]:42030");
        assert_eq!(with_default_port("[::1]", 42027), "[::1]:42027");
        assert_eq!(with_default_port("[::1]:9", 42027), "[::1]:9");
        assert_eq!(split("[fd00::5]:42030"), ("fd00::5", Some(42030)));
        assert_eq!(split("host:notaport"), ("host:notaport", None));
        assert_eq!((tls_port(Side::A), tls_port(Side::B)), (42030, 43030));
        assert_eq!((plain_port(Side::A), plain_port(Side::B)), (42027, 43027));
    }
}
