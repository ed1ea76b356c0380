//! What the servers that host the app (the sandbox and the relay) share about its files.

/// Whether the last segment of `path` is named `<name>-<12 to 16 hex digits>[_bg].<ext>`, as
/// the app's build names a file by its content (`app-8bee18722f9fc23e.css`): such a file never
/// changes and may be cached for good. Trunk, which built the app before, wrote its 64-bit
/// hash without leading zeros (15 digits in one name in sixteen).
pub fn content_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let Some((stem, _ext)) = file.split_once('.') else { return false };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(name, hash)| {
        !name.is_empty() && (12..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    use super::content_hashed;

    #[test]
    fn content_hashed_names() {
        for p in [
            "/app-8bee18722f9fc23e.css",
            "/minitoolai-app-46df9fd228ab1e3f_bg.wasm",
            "/a/boot-e52155fe55bfdfa1.js",
            "/math-aca705e421cfa1a.css",
            // A hash with a leading zero dropped, as Trunk named it.
            "/minitoolai-app-9d0272d8e0f38cd_bg.wasm",
        ] {
            assert!(content_hashed(p), "{p}");
        }
        for p in [
            "/",
            "/index.html",
            "/chat/12",
            "/favicon.svg",
            "/app-8bee1872.css",
            "/-8bee18722f9fc23e.css",
            "/app-8bee18722f9fc23g.css",
            "/app-8bee18722f9fc23e8.css",
        ] {
            assert!(!content_hashed(p), "{p}");
        }
    }
}
