//! The app's settings and which endpoint and key they choose: pure logic, tested natively
//! (the browser storage of the key is in the app's `settings` module).

use serde::{Deserialize, Serialize};

use crate::DEFAULT_BASE_URL;

/// Light, dark, or follow the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Follow `prefers-color-scheme`.
    #[default]
    System,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

impl Theme {
    /// The value of `data-theme` on the root element.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }
}

/// What the sandbox says about itself at `/sandbox/info`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SandboxInfo {
    /// The key that works out of the box, when the sandbox has one.
    #[serde(default)]
    pub demo_key: Option<String>,
}

/// What served the page, found by asking it (`/sandbox/info`, `/api/info`): its API is then
/// the default endpoint.
#[derive(Debug, Clone, PartialEq)]
pub enum Host {
    /// A static host: the default endpoint is the real service.
    Static,
    /// The local sandbox (no real credit).
    Sandbox(SandboxInfo),
    /// A relay: the server holds the MiniToolAI key and hands out its own access tokens, each
    /// spending real credit.
    Relay,
}

/// Which kind of endpoint is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointKind {
    /// The sandbox that served the page.
    Sandbox,
    /// The relay that served the page.
    Relay,
    /// Any other endpoint (the real service, a proxy).
    Other,
}

/// The settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Settings {
    /// The user's API key, or relay token (kept out of IndexedDB and exports).
    #[serde(skip)]
    pub api_key: String,
    /// Keep the key in localStorage instead of sessionStorage.
    pub remember_key: bool,
    /// The API root; empty for the default (the sandbox or relay when the page came from one).
    pub base_url: String,
    /// Colour theme.
    pub theme: Theme,
    /// A spending limit per day across conversations, in USD.
    pub daily_budget_usd: Option<f64>,
    /// The page origin whose own endpoint the user agreed to send their typed key to.
    pub trusted_origin: Option<String>,
}

/// The endpoint and key in use.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// The API root.
    pub base_url: String,
    /// The key (or relay token).
    pub api_key: String,
    /// What it is.
    pub kind: EndpointKind,
    /// The key was typed by the user and the endpoint was found, not chosen: nothing is sent
    /// until the user agrees to send the key there.
    pub needs_consent: bool,
}

impl Endpoint {
    /// Whether this is the local sandbox (shows its credit balance).
    pub fn sandbox(&self) -> bool {
        self.kind == EndpointKind::Sandbox
    }

    /// How the header names it.
    pub fn label(&self) -> String {
        match self.kind {
            EndpointKind::Sandbox => "Sandbox (local, no real credit)".into(),
            EndpointKind::Relay => "Relay — real credit".into(),
            // Named by its host, not a raw address (user review).
            EndpointKind::Other if self.base_url == crate::DEFAULT_BASE_URL => "MiniToolAI — real credit".into(),
            EndpointKind::Other => {
                let rest = self.base_url.split_once("://").map_or(self.base_url.as_str(), |(_, r)| r);
                format!("{} — real credit", rest.split('/').next().unwrap_or(rest))
            }
        }
    }
}

impl Settings {
    /// The endpoint to use, or `None` when the user must first set a key (or relay token).
    pub fn endpoint(&self, host: &Host, origin: &str) -> Option<Endpoint> {
        let own_base = format!("{origin}/api/");
        let explicit = !self.base_url.trim().is_empty();
        let base = if explicit {
            self.base_url.trim().to_owned()
        } else if matches!(host, Host::Static) {
            DEFAULT_BASE_URL.to_owned()
        } else {
            own_base.clone()
        };
        let kind = match host {
            Host::Sandbox(_) if base == own_base => EndpointKind::Sandbox,
            Host::Relay if base == own_base => EndpointKind::Relay,
            _ => EndpointKind::Other,
        };
        let typed = self.api_key.trim();
        if !typed.is_empty() {
            // A key typed for the real service must not go to a server merely because it
            // served this page; a relay token is made for the relay, but the user still says so.
            let found = !explicit && kind != EndpointKind::Other;
            let needs_consent = found && self.trusted_origin.as_deref() != Some(origin);
            return Some(Endpoint { base_url: base, api_key: typed.to_owned(), kind, needs_consent });
        }
        match host {
            Host::Sandbox(SandboxInfo { demo_key: Some(key) }) if kind == EndpointKind::Sandbox => {
                Some(Endpoint { base_url: base, api_key: key.clone(), kind, needs_consent: false })
            }
            _ => None,
        }
    }
}

/// What is wrong with the settings dialog's fields, each in words (`None`: nothing).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldProblems {
    /// The API key (or relay token).
    pub key: Option<String>,
    /// The API base URL.
    pub base_url: Option<String>,
    /// The daily budget.
    pub daily_budget: Option<String>,
}

impl FieldProblems {
    /// What is still wrong with the fields already refused, judged as they are now (`now`:
    /// every field checked): a refused field's words follow what is typed and go once it is
    /// right, while a field not refused is judged only at the next Save (half-typed, it is
    /// not wrong yet).
    pub fn still(&self, now: &FieldProblems) -> FieldProblems {
        let keep = |was: &Option<String>, now: &Option<String>| was.as_ref().and(now.clone());
        FieldProblems {
            key: keep(&self.key, &now.key),
            base_url: keep(&self.base_url, &now.base_url),
            daily_budget: keep(&self.daily_budget, &now.daily_budget),
        }
    }
}

/// Checks every field of the settings dialog at once, the way the client and this page will
/// use them (`origin`: the page's own, whose server a plain `http://` URL may name); the
/// daily budget, read, when all are right.
pub fn check_fields(key: &str, base_url: &str, daily: &str, origin: &str) -> Result<Option<f64>, FieldProblems> {
    let words = |e: crate::Error| crate::words::error_words(&e);
    let (key, base_url, daily) = (key.trim(), base_url.trim(), daily.trim());
    let mut problems = FieldProblems::default();
    if !key.is_empty() {
        problems.key = crate::ClientConfig::new(key).base_url(DEFAULT_BASE_URL).validate().err().map(words);
    }
    if !base_url.is_empty() {
        problems.base_url = crate::ClientConfig::new("placeholder").base_url(base_url).validate().err().map(words);
        if problems.base_url.is_none() && !http_allowed(base_url, origin) {
            problems.base_url = Some(
                "API base URL must start with https://. Plain http:// works only for localhost, 127.0.0.1 and \
                 this page's own server: elsewhere it would carry your key unencrypted, and this page blocks it."
                    .to_owned(),
            );
        }
    }
    let budget = match daily {
        "" => None,
        v => match crate::money::parse_usd(v) {
            Some(b) => Some(b),
            None => {
                problems.daily_budget = Some(format!(
                    "Daily budget must be a positive number of US dollars, or empty for none (you entered {v})."
                ));
                None
            }
        },
    };
    if problems == FieldProblems::default() {
        Ok(budget)
    } else {
        Err(problems)
    }
}

/// Whether `url` (already checked as an http(s) URL) may be used from this page: https
/// anywhere; plain http only to this computer or the page's own server (the page's
/// Content-Security-Policy allows nothing else, and a key would cross the network unencrypted).
fn http_allowed(url: &str, origin: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("http://") else { return true };
    let authority = rest.split('/').next().unwrap_or_default();
    let host = authority.rsplit_once(':').map_or(authority, |(host, _)| host);
    matches!(host, "localhost" | "127.0.0.1") || format!("http://{authority}") == origin.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "http://127.0.0.1:8787";

    #[test]
    fn a_refused_field_is_judged_again_as_it_is_typed_and_no_other() {
        let refused = check_fields("", "ftp://x", "-1", ORIGIN).unwrap_err();
        assert!(refused.base_url.is_some() && refused.daily_budget.is_some());
        // The budget corrected, the URL changed but still wrong, a bad key half-typed.
        let now = check_fields("a b", "http://example.com", "2", ORIGIN).unwrap_err();
        assert!(now.key.is_some());
        let still = refused.still(&now);
        assert_eq!(still.key, None, "a field not refused waits for Save");
        assert_eq!(still.daily_budget, None, "a corrected field's words go");
        assert!(
            still.base_url.as_deref().unwrap().contains("https://"),
            "a refused field's words follow it: {still:?}"
        );
        assert_eq!(refused.still(&FieldProblems::default()), FieldProblems::default());
    }

    fn sandbox() -> Host {
        Host::Sandbox(SandboxInfo { demo_key: Some("demo-key-1234".into()) })
    }

    fn parts(e: &Endpoint) -> (&str, &str, EndpointKind, bool) {
        (e.base_url.as_str(), e.api_key.as_str(), e.kind, e.needs_consent)
    }

    #[test]
    fn the_sandbox_and_its_demo_key_are_the_default_where_it_served_the_page() {
        let e = Settings::default().endpoint(&sandbox(), ORIGIN).expect("endpoint");
        assert_eq!(parts(&e), ("http://127.0.0.1:8787/api/", "demo-key-1234", EndpointKind::Sandbox, false));
        assert_eq!(e.label(), "Sandbox (local, no real credit)");
        // Elsewhere there is no endpoint until a key is set.
        assert_eq!(Settings::default().endpoint(&Host::Static, ORIGIN), None);
        let typed = Settings { api_key: " sk-typed ".into(), ..Settings::default() };
        let e = typed.endpoint(&Host::Static, ORIGIN).expect("endpoint");
        assert_eq!(parts(&e), (DEFAULT_BASE_URL, "sk-typed", EndpointKind::Other, false));
        assert_eq!(e.label(), "MiniToolAI — real credit");
        let proxy = Settings { base_url: "http://127.0.0.1:34499/api/".into(), ..typed };
        let e = proxy.endpoint(&Host::Static, ORIGIN).expect("endpoint");
        assert_eq!(e.label(), "127.0.0.1:34499 — real credit");
    }

    #[test]
    fn the_demo_key_never_goes_to_another_endpoint() {
        let other = Settings { base_url: "https://proxy.example/api/".into(), ..Settings::default() };
        assert_eq!(other.endpoint(&sandbox(), ORIGIN), None);
        let with_key = Settings { api_key: "sk-mine".into(), ..other };
        let e = with_key.endpoint(&sandbox(), ORIGIN).expect("endpoint");
        assert_eq!(parts(&e), ("https://proxy.example/api/", "sk-mine", EndpointKind::Other, false));
    }

    /// Issue 13: a typed key was sent to any auto-detected endpoint.
    #[test]
    fn a_typed_key_goes_to_a_found_endpoint_only_with_consent() {
        let typed = Settings { api_key: "sk-real".into(), ..Settings::default() };
        let e = typed.endpoint(&sandbox(), ORIGIN).expect("endpoint");
        assert_eq!(parts(&e), ("http://127.0.0.1:8787/api/", "sk-real", EndpointKind::Sandbox, true));
        let e = typed.endpoint(&Host::Relay, ORIGIN).expect("endpoint");
        assert_eq!(parts(&e), ("http://127.0.0.1:8787/api/", "sk-real", EndpointKind::Relay, true));
        assert_eq!(e.label(), "Relay — real credit");
        let trusted = Settings { trusted_origin: Some(ORIGIN.into()), ..typed.clone() };
        assert!(!trusted.endpoint(&Host::Relay, ORIGIN).expect("endpoint").needs_consent);
        // Trust is per origin.
        assert!(trusted.endpoint(&Host::Relay, "http://other.example").expect("endpoint").needs_consent);
        // An endpoint the user typed is their choice.
        let chosen = Settings { base_url: format!("{ORIGIN}/api/"), ..typed };
        let e = chosen.endpoint(&Host::Relay, ORIGIN).expect("endpoint");
        assert_eq!((e.kind, e.needs_consent), (EndpointKind::Relay, false));
        // A relay has no demo key: a token is needed.
        assert_eq!(Settings::default().endpoint(&Host::Relay, ORIGIN), None);
    }

    /// Regression (user review): a plain-http endpoint on another host was saved, then every
    /// message failed with "Could not reach …, check your connection": the page's own security
    /// policy blocks it (and the key would travel unencrypted).
    #[test]
    fn plain_http_is_for_this_computer_and_the_pages_own_server() {
        let base = |url: &str| check_fields("sk-x", url, "", "http://192.168.1.5:8787").err().and_then(|p| p.base_url);
        for fine in [
            "https://api.example/v1/",
            "http://localhost:8787/api/",
            "http://127.0.0.1/api/",
            "http://192.168.1.5:8787/api/",
            "HTTP://LOCALHOST/api/",
        ] {
            assert_eq!(base(fine), None, "{fine}");
        }
        for refused in ["http://example.com/api/", "http://192.168.1.6:8787/api/", "http://localhost.example/api/"] {
            assert!(
                base(refused).is_some_and(|w| w.starts_with("API base URL must start with https://.")),
                "{refused}"
            );
        }
    }

    /// Regression (user review): the dialog said one thing wrong at a time; a bad budget
    /// showed only after the URL was mended and saved again.
    #[test]
    fn every_field_is_checked_at_once() {
        let problems = check_fields("sk x", "not a url", "-5", "https://app.example").expect_err("three problems");
        assert_eq!(problems.key.as_deref(), Some("API key must contain only printable ASCII characters, no spaces."));
        assert_eq!(problems.base_url.as_deref(), Some("API base URL must start with http:// or https://."));
        assert_eq!(
            problems.daily_budget.as_deref(),
            Some("Daily budget must be a positive number of US dollars, or empty for none (you entered -5).")
        );
        assert_eq!(check_fields("", "", "", "https://app.example"), Ok(None));
        assert_eq!(check_fields(" sk-1 ", " https://api.example/ ", " 2.5 ", "https://app.example"), Ok(Some(2.5)));
    }
}
