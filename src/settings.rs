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

/// The settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Settings {
    /// The user's API key (kept out of IndexedDB and exports).
    #[serde(skip)]
    pub api_key: String,
    /// Keep the key in localStorage instead of sessionStorage.
    pub remember_key: bool,
    /// The API root; empty for the default (the sandbox when the page came from it).
    pub base_url: String,
    /// Colour theme.
    pub theme: Theme,
    /// A spending limit per day across conversations, in USD.
    pub daily_budget_usd: Option<f64>,
}

/// The endpoint and key in use.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// The API root.
    pub base_url: String,
    /// The key.
    pub api_key: String,
    /// Whether this is the local sandbox (shows the credit balance).
    pub sandbox: bool,
}

impl Settings {
    /// The endpoint to use, or `None` when the user must first set a key.
    pub fn endpoint(&self, sandbox: Option<&SandboxInfo>, origin: &str) -> Option<Endpoint> {
        let sandbox_base = format!("{origin}/api/");
        let base = if !self.base_url.trim().is_empty() {
            self.base_url.trim().to_owned()
        } else if sandbox.is_some() {
            sandbox_base.clone()
        } else {
            DEFAULT_BASE_URL.to_owned()
        };
        let on_sandbox = sandbox.is_some() && base == sandbox_base;
        if !self.api_key.trim().is_empty() {
            return Some(Endpoint { base_url: base, api_key: self.api_key.trim().to_owned(), sandbox: on_sandbox });
        }
        match sandbox {
            Some(SandboxInfo { demo_key: Some(key) }) if on_sandbox => {
                Some(Endpoint { base_url: base, api_key: key.clone(), sandbox: true })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "http://127.0.0.1:8787";

    fn sandbox() -> SandboxInfo {
        SandboxInfo { demo_key: Some("demo-key-1234".into()) }
    }

    #[test]
    fn the_sandbox_and_its_demo_key_are_the_default_where_it_served_the_page() {
        let e = Settings::default().endpoint(Some(&sandbox()), ORIGIN).expect("endpoint");
        assert_eq!(
            (e.base_url.as_str(), e.api_key.as_str(), e.sandbox),
            ("http://127.0.0.1:8787/api/", "demo-key-1234", true)
        );
        // Elsewhere there is no endpoint until a key is set.
        assert_eq!(Settings::default().endpoint(None, ORIGIN), None);
        let typed = Settings { api_key: " sk-typed ".into(), ..Settings::default() };
        let e = typed.endpoint(None, ORIGIN).expect("endpoint");
        assert_eq!((e.base_url.as_str(), e.api_key.as_str(), e.sandbox), (DEFAULT_BASE_URL, "sk-typed", false));
    }

    #[test]
    fn the_demo_key_never_goes_to_another_endpoint() {
        let other = Settings { base_url: "https://proxy.example/api/".into(), ..Settings::default() };
        assert_eq!(other.endpoint(Some(&sandbox()), ORIGIN), None);
        let with_key = Settings { api_key: "sk-mine".into(), ..other };
        let e = with_key.endpoint(Some(&sandbox()), ORIGIN).expect("endpoint");
        assert_eq!(
            (e.base_url.as_str(), e.api_key.as_str(), e.sandbox),
            ("https://proxy.example/api/", "sk-mine", false)
        );
    }
}
