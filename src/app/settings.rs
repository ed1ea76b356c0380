//! App settings: endpoint, key storage choice, theme, daily budget.
//!
//! The API key lives in sessionStorage (this tab's session) unless the user ticks
//! "remember on this device" (localStorage). It is never written to IndexedDB or exports.

use serde::{Deserialize, Serialize};

use crate::DEFAULT_BASE_URL;

const KEY_SLOT: &str = "minitoolai.apiKey";

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

fn session() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Reads the stored key: the session's first, then the remembered one.
pub fn load_key() -> String {
    [session(), local()].into_iter().flatten().find_map(|s| s.get_item(KEY_SLOT).ok().flatten()).unwrap_or_default()
}

/// Stores the key where the user chose, and removes it from the other place.
pub fn save_key(key: &str, remember: bool) {
    let (keep, drop) = if remember { (local(), session()) } else { (session(), local()) };
    if let Some(s) = drop {
        let _ = s.remove_item(KEY_SLOT);
    }
    if let Some(s) = keep {
        let _ = if key.is_empty() { s.remove_item(KEY_SLOT) } else { s.set_item(KEY_SLOT, key) };
    }
}

/// Removes the key from every place it may be.
pub fn forget_key() {
    for s in [session(), local()].into_iter().flatten() {
        let _ = s.remove_item(KEY_SLOT);
    }
}
