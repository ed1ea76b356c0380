//! The app's settings in the browser: the key's storage. The settings themselves and the
//! endpoint they choose are pure ([`crate::settings`]).
//!
//! The API key lives in sessionStorage (this tab's session) unless the user ticks
//! "remember on this device" (localStorage). It is never written to IndexedDB or exports.

pub use crate::settings::{Endpoint, EndpointKind, Host, SandboxInfo, Settings, Theme};

const KEY_SLOT: &str = "minitoolai.apiKey";

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
