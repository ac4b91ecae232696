//! Who may tell a server the client's address: `x-forwarded-for` is believed
//! only from peers on the configured proxy networks (`trusted_proxies`).

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub const FORWARDED_FOR: &str = "x-forwarded-for";

/// The networks of the proxies whose `x-forwarded-for` is believed; empty
/// (the default) believes nobody. Written as a list of CIDRs or addresses,
/// or, handier in the environment, one string separated by commas:
/// `HMS_USER__SERVER__TRUSTED_PROXIES=10.0.0.0/8,fd00::/8`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Arc<[IpNet]>);

impl TrustedProxies {
    pub fn new(networks: impl IntoIterator<Item = IpNet>) -> Self {
        Self(networks.into_iter().collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.0.iter().any(|network| network.contains(&address))
    }

    /// The client behind a connection from `peer`: the peer itself, unless it
    /// is a trusted proxy, in which case `x-forwarded-for` is read from the
    /// right (each proxy appends the address it saw) and the first address
    /// that is not a trusted proxy is the client. Whatever a client wrote
    /// itself is left of that, and never believed.
    pub fn client(&self, peer: IpAddr, headers: &http::HeaderMap) -> IpAddr {
        let mut client = peer;
        if !self.contains(client) {
            return client;
        }
        let values: Vec<&str> = headers.get_all(FORWARDED_FOR).iter().filter_map(|v| v.to_str().ok()).collect();
        for entry in values.iter().rev().flat_map(|v| v.rsplit(',')) {
            let Some(address) = parse_forwarded(entry) else { break };
            client = address;
            if !self.contains(client) {
                break;
            }
        }
        client
    }
}

/// One `x-forwarded-for` entry: an address, perhaps with a port.
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    IpAddr::from_str(entry).ok().or_else(|| SocketAddr::from_str(entry).ok().map(|s| s.ip())).map(|a| a.to_canonical())
}

fn parse_network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    IpNet::from_str(text).or_else(|_| IpAddr::from_str(text).map(IpNet::from)).map_err(|_| {
        format!("`{text}` is not a network in CIDR notation (like 10.0.0.0/8 or fd00::/8) nor an IP address")
    })
}

impl FromStr for TrustedProxies {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let networks = text.split(',').filter(|t| !t.trim().is_empty()).map(parse_network);
        Ok(Self::new(networks.collect::<Result<Vec<_>, _>>()?))
    }
}

impl<'de> Deserialize<'de> for TrustedProxies {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            List(Vec<String>),
            One(String),
        }
        let text = match Written::deserialize(deserializer)? {
            Written::List(items) => items.join(","),
            Written::One(text) => text,
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl Serialize for TrustedProxies {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(ToString::to_string))
    }
}

/// The place of the removed `trust_forwarded_for` key in a configuration:
/// setting it fails with a message that names its replacement, instead of
/// silently believing nobody (or everybody).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RemovedTrustForwardedFor;

impl<'de> Deserialize<'de> for RemovedTrustForwardedFor {
    fn deserialize<D: Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        Err(serde::de::Error::custom(
            "`trust_forwarded_for` was replaced by `trusted_proxies`: list the networks (CIDRs, e.g. \
             \"10.0.0.0/8\") of the proxies whose x-forwarded-for is believed, or remove the key to believe none",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        for value in values {
            headers.append(FORWARDED_FOR, value.parse().unwrap());
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn nobody_is_believed_by_default() {
        let proxies = TrustedProxies::default();
        assert_eq!(proxies.client(ip("127.0.0.1"), &headers(&["203.0.113.7"])), ip("127.0.0.1"));
    }

    #[test]
    fn only_a_trusted_peer_is_believed_and_only_for_the_hop_it_saw() {
        let proxies: TrustedProxies = "10.0.0.0/8, 192.168.1.1".parse().unwrap();
        // A peer outside the networks is the client, whatever it claims.
        assert_eq!(proxies.client(ip("198.51.100.2"), &headers(&["203.0.113.7"])), ip("198.51.100.2"));
        assert_eq!(proxies.client(ip("10.1.2.3"), &headers(&["203.0.113.7"])), ip("203.0.113.7"));
        // The client wrote the first entry itself; the proxy appended the second.
        let chain = headers(&["198.51.100.66, 203.0.113.7"]);
        assert_eq!(proxies.client(ip("10.1.2.3"), &chain), ip("203.0.113.7"));
        // Trusted hops are skipped, over several headers too.
        let hops = headers(&["203.0.113.7, 10.9.9.9", "192.168.1.1"]);
        assert_eq!(proxies.client(ip("10.1.2.3"), &hops), ip("203.0.113.7"));
        // Garbage stops the walk at the last address known good.
        assert_eq!(proxies.client(ip("10.1.2.3"), &headers(&["not an address"])), ip("10.1.2.3"));
        assert_eq!(proxies.client(ip("10.1.2.3"), &headers(&["[2001:db8::1]:443"])), ip("2001:db8::1"));
        assert_eq!(proxies.client(ip("10.1.2.3"), &http::HeaderMap::new()), ip("10.1.2.3"));
        // An IPv4 peer seen on an IPv6 socket is still in its IPv4 network.
        assert_eq!(proxies.client(ip("::ffff:10.1.2.3"), &headers(&["203.0.113.7"])), ip("203.0.113.7"));
    }

    #[test]
    fn networks_are_read_from_lists_and_comma_separated_strings() {
        #[derive(Deserialize)]
        struct Config {
            trusted_proxies: TrustedProxies,
        }
        let read = |toml: &str| {
            use figment::providers::Format;
            figment::Figment::new().merge(figment::providers::Toml::string(toml)).extract::<Config>()
        };
        let list = read("trusted_proxies = [\"10.0.0.0/8\", \"fd00::/8\"]").unwrap();
        let text = read("trusted_proxies = \"10.0.0.0/8,fd00::/8\"").unwrap();
        assert_eq!(list.trusted_proxies, text.trusted_proxies);
        assert!(list.trusted_proxies.contains(ip("fd12::1")));
        let error = read("trusted_proxies = \"10.0.0.0/33\"").err().unwrap();
        assert!(error.to_string().contains("10.0.0.0/33"), "{error}");
    }
}
