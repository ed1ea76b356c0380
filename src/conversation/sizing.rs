//! Attached images as they are sent: no larger than the models use. Every message sends the
//! conversation's earlier images again, as data URLs in the request body, so a few phone
//! photos sent whole would soon make every request too large for the service to take.

/// The longest side the models look at: at `high` detail an image is first scaled to fit in
/// 2048 × 2048 pixels (OpenAI's vision guide), so more pixels cost bytes and buy nothing.
pub const MAX_SIDE: u32 = 2048;

/// A file at most this large (bytes) is sent as it is when its size fits: a re-encoding would
/// save little.
pub const KEEP_UNDER_BYTES: f64 = 1_000_000.0;

/// The largest image file that can be attached: anything over [`KEEP_UNDER_BYTES`] is drawn
/// again (at most [`MAX_SIDE`] on a side) before it is sent, so a large photo goes as a few
/// hundred kilobytes.
pub const MAX_FILE_BYTES: f64 = 40.0 * 1024.0 * 1024.0;

/// The largest image that can be sent as it is (a GIF keeps its frames, so it is never drawn
/// again; nor is anything the browser could not re-encode smaller): data URLs travel in the
/// request's body.
pub const MAX_SENT_BYTES: f64 = 8.0 * 1024.0 * 1024.0;

/// Why a file of `bytes` bytes and type `mime`, named `name`, cannot be attached, in words;
/// `None` when it can.
pub fn too_large(name: &str, mime: &str, bytes: f64) -> Option<String> {
    if mime == "image/gif" && bytes > MAX_SENT_BYTES {
        Some(format!(
            "{name} is too large: GIFs up to 8 MB can be attached (they are sent as they are, to keep their frames)."
        ))
    } else if bytes > MAX_FILE_BYTES {
        Some(format!("{name} is too large: images up to 40 MB can be attached (larger ones are scaled down to send)."))
    } else {
        None
    }
}

/// Why the image chosen to be sent (`data_url`, from a file named `name`) cannot be, in
/// words: still larger than [`MAX_SENT_BYTES`] once drawn again; `None` when it can.
pub fn too_large_to_send(name: &str, data_url: &str) -> Option<String> {
    // Base64 carries 3 bytes in 4 characters.
    let bytes = data_url.split_once(',').map_or(data_url.len(), |(_, b64)| b64.len()) as f64 * 0.75;
    (bytes > MAX_SENT_BYTES).then(|| format!("{name} is too large to send, even scaled down: attach a smaller image."))
}

/// The size to draw an attached image at before it is sent (`mime`: its type, `bytes`: the
/// file's size, `width` × `height`: its pixels), or `None` to send the file as it is: it
/// already fits and is small, or it is a GIF (its frames would be lost), or its size is not
/// known (the browser could not read it, nor will the service).
pub fn sending_size(mime: &str, bytes: f64, width: u32, height: u32) -> Option<(u32, u32)> {
    if mime == "image/gif" || width == 0 || height == 0 {
        return None;
    }
    let longest = width.max(height);
    if longest > MAX_SIDE {
        let scale = f64::from(MAX_SIDE) / f64::from(longest);
        let fit = |side: u32| ((f64::from(side) * scale).round() as u32).clamp(1, MAX_SIDE);
        return Some((fit(width), fit(height)));
    }
    (bytes > KEEP_UNDER_BYTES).then_some((width, height))
}

/// Which of the two data URLs to attach: the re-encoded one (`drawn`) when it was drawn
/// smaller than the file or is shorter, else the file's (`original`). A browser that cannot
/// encode the type asked for gives PNG, which can be longer than the file.
pub fn pick<'a>(original: &'a str, drawn: Option<&'a str>, resized: bool) -> &'a str {
    match drawn {
        Some(d) if d.starts_with("data:image/") && (resized || d.len() < original.len()) => d,
        _ => original,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_images_are_drawn_to_fit_what_the_models_use() {
        // A phone photo: 4032 × 3024 → 2048 × 1536.
        assert_eq!(sending_size("image/jpeg", 4.1e6, 4032, 3024), Some((2048, 1536)));
        assert_eq!(sending_size("image/png", 2e5, 1000, 5000), Some((410, 2048)));
        // Fits, but a heavy PNG screenshot: re-encoded at its own size.
        assert_eq!(sending_size("image/png", 6.9e6, 1920, 1080), Some((1920, 1080)));
        // Fits and is small: as it is.
        assert_eq!(sending_size("image/png", 3e5, 1920, 1080), None);
        assert_eq!(sending_size("image/webp", 9e5, 2048, 2048), None);
        // Animated GIFs keep their frames; unreadable images are left for the service to say.
        assert_eq!(sending_size("image/gif", 7e6, 4000, 4000), None);
        assert_eq!(sending_size("image/png", 7e6, 0, 0), None);
        // Never a zero side, however thin.
        assert_eq!(sending_size("image/png", 1e5, 10_000, 1), Some((2048, 1)));
    }

    #[test]
    fn large_photos_can_be_attached_and_are_scaled_down_gifs_go_whole() {
        assert_eq!(too_large("big.png", "image/png", 17.7e6), None, "a 17.7 MB photo is scaled down, not refused");
        assert_eq!(
            too_large("huge.jpg", "image/jpeg", 41.0 * 1024.0 * 1024.0).as_deref(),
            Some("huge.jpg is too large: images up to 40 MB can be attached (larger ones are scaled down to send).")
        );
        assert!(too_large("a.gif", "image/gif", 9e6).is_some_and(|w| w.contains("GIFs up to 8 MB")));
        assert_eq!(too_large("a.gif", "image/gif", 7e6), None);
        assert_eq!(too_large_to_send("a.png", "data:image/webp;base64,AAAA"), None);
        let heavy = format!("data:image/png;base64,{}", "A".repeat(12 * 1024 * 1024));
        assert!(too_large_to_send("a.png", &heavy).is_some_and(|w| w.starts_with("a.png is too large to send")));
    }

    #[test]
    fn the_shorter_data_url_is_attached_unless_the_image_was_resized() {
        let original = "data:image/png;base64,AAAAAAAA";
        assert_eq!(pick(original, Some("data:image/webp;base64,AA"), false), "data:image/webp;base64,AA");
        assert_eq!(pick(original, Some("data:image/png;base64,AAAAAAAAAAAA"), false), original);
        assert_eq!(
            pick(original, Some("data:image/png;base64,AAAAAAAAAAAA"), true),
            "data:image/png;base64,AAAAAAAAAAAA"
        );
        // A canvas that could not be encoded gives "data:,".
        assert_eq!(pick(original, Some("data:,"), true), original);
        assert_eq!(pick(original, None, true), original);
    }
}
