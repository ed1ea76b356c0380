//! The MiniToolAI API the relay forwards to: a fixed base URL and the key, held here only.
//! Never an open proxy: the target is fixed at start, only three paths are forwarded, and
//! redirects are not followed.

use std::time::Duration;

use reqwest::Url;

/// The upstream API.
pub struct Upstream {
    client: reqwest::Client,
    base: Url,
    key: String,
}

impl Upstream {
    /// An upstream at `base` (an http(s) URL) with this key.
    pub fn new(base: &str, key: String, read_timeout: Duration) -> Result<Self, String> {
        let mut base = Url::parse(base.trim()).map_err(|e| format!("--upstream: {e}"))?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err("--upstream: expected an http(s) URL such as https://minitoolai.com/api/".into());
        }
        if base.query().is_some() || base.fragment().is_some() || !base.username().is_empty() {
            return Err("--upstream: no query, fragment or credentials in the URL, please".into());
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        if key.trim().is_empty() {
            return Err("--upstream-key-env: the variable is empty".into());
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(read_timeout)
            .user_agent(concat!("minitoolai-relay/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("upstream client: {e}"))?;
        Ok(Self { client, base, key: key.trim().to_owned() })
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        self.base.as_str()
    }

    /// Whether the key would cross a network in clear text: plain `http` to a host that is
    /// not loopback.
    pub fn is_plain_remote(&self) -> bool {
        let host = self.base.host_str().unwrap_or("").trim_start_matches('[').trim_end_matches(']');
        let loopback =
            host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        self.base.scheme() == "http" && !loopback
    }

    /// POSTs a JSON body to `path` (relative to the base) with the relay's key.
    pub async fn post(&self, path: &str, body: Vec<u8>) -> Result<reqwest::Response, String> {
        let url = self.base.join(path).map_err(|_| "bad upstream URL".to_owned())?;
        let res = self
            .client
            .post(url)
            .bearer_auth(&self.key)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::ACCEPT, "text/event-stream, application/json")
            .body(body)
            .send()
            .await;
        // reqwest's errors name the URL (never the key, which is a header); say less anyway.
        res.map_err(|e| {
            if e.is_timeout() {
                "the upstream timed out".to_owned()
            } else if e.is_connect() {
                "could not connect to the upstream".to_owned()
            } else {
                "the upstream request failed".to_owned()
            }
        })
    }

    /// Removes the key from text that came back from the upstream (an error message that
    /// quotes it, say).
    pub fn scrub(&self, text: &str) -> String {
        text.replace(&self.key, "[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstreams_are_checked_and_normalised() {
        let t = Duration::from_secs(1);
        let up = |u: &str| Upstream::new(u, "sk-upstream-key".into(), t).map(|r| r.base().to_owned());
        assert_eq!(up("https://minitoolai.com/api"), Ok("https://minitoolai.com/api/".into()));
        assert!(up("ftp://x.test/").is_err());
        assert!(up("https://x.test/?to=y").is_err());
        assert!(up("https://user:pw@x.test/").is_err());
        assert!(Upstream::new("https://x.test/", " ".into(), t).is_err());
        let u = Upstream::new("https://x.test/", "sk-upstream-key".into(), t).expect("ok");
        assert!(!u.is_plain_remote());
        assert!(Upstream::new("http://x.test/", "k".into(), t).expect("ok").is_plain_remote());
        assert!(!Upstream::new("http://127.0.0.1:9/api/", "k".into(), t).expect("ok").is_plain_remote());
        assert_eq!(u.scrub("bad key sk-upstream-key!"), "bad key [redacted]!");
    }
}
