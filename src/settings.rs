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
            EndpointKind::Other => self.base_url.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "http://127.0.0.1:8787";

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
}
