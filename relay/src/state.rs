//! What every handler shares: the ledger, the upstream, and the checks' settings.

use std::net::IpAddr;
use std::sync::Arc;

use crate::store::Store;
use crate::upstream::Upstream;

/// The relay's state, behind an `Arc`.
pub type Shared = Arc<Relay>;

/// The relay's state.
pub struct Relay {
    /// The spend ledger.
    pub store: Arc<dyn Store>,
    /// The MiniToolAI API.
    pub upstream: Upstream,
    /// Host names (lowercase, no port) the relay answers for.
    pub hosts: Vec<String>,
    /// Whether any IP-literal `Host` is fine (bound to all interfaces).
    pub any_ip_host: bool,
    /// Exact cross-origin browser origins allowed.
    pub origins: Vec<String>,
    /// Longest image prompt / negative prompt, characters.
    pub max_prompt_chars: usize,
    /// Longest chat conversation text, characters.
    pub max_chat_chars: usize,
    /// Log one line per request to stderr.
    pub log: bool,
}

impl Relay {
    /// The host names a relay bound to `bind` answers for, besides `--host` names.
    pub fn hosts_for(bind: IpAddr, extra: &[String]) -> (Vec<String>, bool) {
        let mut hosts: Vec<String> =
            extra.iter().map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase()).collect();
        if bind.is_loopback() {
            hosts.extend(["localhost".into(), "127.0.0.1".into(), "::1".into()]);
        }
        if !bind.is_unspecified() {
            hosts.push(bind.to_string());
        }
        (hosts, bind.is_unspecified())
    }

    /// Whether a `Host` header value names this relay. Only names the operator listed (or IP
    /// literals, which no DNS rebinding can produce) pass.
    pub fn host_allowed(&self, host: &str) -> bool {
        let name = host_name(host).to_ascii_lowercase();
        let name = name.trim_end_matches('.');
        if name.is_empty() {
            return false;
        }
        self.hosts.iter().any(|h| h == name) || (self.any_ip_host && name.parse::<IpAddr>().is_ok())
    }
}

/// The name part of a `Host` header value: `[::1]:80` → `::1`, `a.test:8080` → `a.test`.
pub fn host_name(host: &str) -> &str {
    let host = host.trim();
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("");
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !name.contains(':') => name,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names() {
        assert_eq!(host_name("[::1]:8788"), "::1");
        assert_eq!(host_name("a.test:8080"), "a.test");
        assert_eq!(host_name("a.test"), "a.test");
        let (hosts, any) = Relay::hosts_for("127.0.0.1".parse().expect("ip"), &["Relay.Example.COM".into()]);
        assert!(!any);
        assert!(hosts.contains(&"relay.example.com".to_owned()) && hosts.contains(&"localhost".to_owned()));
        let (hosts, any) = Relay::hosts_for("0.0.0.0".parse().expect("ip"), &[]);
        assert!(any && hosts.is_empty());
    }
}
