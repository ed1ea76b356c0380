//! A documented approximation of token counts (the sandbox has no real tokenizer).
//!
//! Completion: the reply is cut into token-ish pieces, one per content delta, and each
//! piece counts as one token. A piece is a word with the single space before it (words
//! longer than 8 characters are cut every 6), a run of spaces, a run of newlines, or one
//! other character (punctuation, an emoji with its modifiers, a CJK character).
//!
//! Prompt: `3 + Σ per message (4 + ceil(characters / 4) + per image: 85 if detail is
//! "low", else 765)`, characters being Unicode scalar values of the message's text.

use minitoolai::types::chat::{ChatRequest, Content, ContentPart, ImageDetail};

/// Tokens every conversation costs (the reply's priming).
const PROMPT_BASE: u64 = 3;
/// Tokens every message costs beside its text.
const PER_MESSAGE: u64 = 4;
/// A low-detail image.
const IMAGE_LOW: u64 = 85;
/// An auto or high-detail image (a 1024×1024 picture at high detail, per OpenAI's formula).
const IMAGE_HIGH: u64 = 765;

/// The prompt tokens of a request.
pub fn prompt_tokens(req: &ChatRequest) -> u64 {
    let per_message = req.messages.iter().map(|m| {
        let text_chars = m.content.text().chars().count() as u64;
        let images: u64 = match &m.content {
            Content::Text(_) => 0,
            Content::Parts(parts) => parts
                .iter()
                .map(|p| match p {
                    ContentPart::ImageUrl { image_url } if image_url.detail == Some(ImageDetail::Low) => IMAGE_LOW,
                    ContentPart::ImageUrl { .. } => IMAGE_HIGH,
                    ContentPart::Text { .. } => 0,
                })
                .sum(),
        };
        PER_MESSAGE + text_chars.div_ceil(4) + images
    });
    PROMPT_BASE + per_message.sum::<u64>()
}

fn is_word(c: char) -> bool {
    (c.is_alphanumeric() || c == '_') && (c as u32) < 0x2E80
}

/// Characters that belong to the character before them (variation selectors, zero-width
/// joiners, combining marks, skin tones).
fn is_modifier(c: char) -> bool {
    matches!(c as u32, 0x300..=0x36F | 0x200D | 0xFE0E | 0xFE0F | 0x1F3FB..=0x1F3FF | 0xE0020..=0xE007F)
}

/// Cuts `text` into pieces whose concatenation is `text`.
pub fn pieces(text: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let n = chars.len();
    let at = |i: usize| if i < n { chars[i].0 } else { text.len() };
    let take_word = |start: usize| {
        let mut end = start;
        while end < n && is_word(chars[end].1) {
            end += 1;
        }
        if end - start > 8 {
            start + 6
        } else {
            end
        }
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        let c = chars[i].1;
        let mut j = i + 1;
        if c == ' ' {
            if j < n && is_word(chars[j].1) {
                j = take_word(j);
            } else {
                while j < n && chars[j].1 == ' ' && j - i < 8 {
                    j += 1;
                }
            }
        } else if c == '\n' {
            while j < n && chars[j].1 == '\n' {
                j += 1;
            }
        } else if is_word(c) {
            j = take_word(i);
        } else {
            // One symbol, with its modifiers and whatever a zero-width joiner joins.
            while j < n && is_modifier(chars[j].1) {
                j += 1;
                if chars[j - 1].1 == '\u{200D}' && j < n {
                    j += 1;
                }
            }
        }
        out.push(&text[at(i)..at(j)]);
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use minitoolai::types::chat::{ImageUrl, Message, Role};

    #[test]
    fn pieces_are_lossless_and_token_ish() {
        for text in [
            "",
            "Hello, world!",
            "## Title\n\n- item one\n- item two\n\n```rust\nfn main() {}\n```",
            "café, naïve, 日本語 and emoji 🎉👍🏽👨‍👩‍👧 ❤️",
            "internationalization is extraordinarily long",
            "    indented   spaces",
            "e\u{301}t\u{e9}",
        ] {
            let p = pieces(text);
            assert_eq!(p.concat(), text);
            assert!(p.iter().all(|s| !s.is_empty()));
        }
        assert_eq!(pieces("Hello, world!"), ["Hello", ",", " world", "!"]);
        assert_eq!(pieces("日本語"), ["日", "本", "語"]);
        assert_eq!(pieces("👨‍👩‍👧!"), ["👨‍👩‍👧", "!"]);
        assert_eq!(pieces(" internationalization"), [" intern", "ationa", "lization"]);
    }

    #[test]
    fn prompt_tokens_follow_the_formula() {
        let req = ChatRequest::new("gpt-4o", vec![Message::developer("be brief"), Message::user("hi")]);
        // 3 + (4 + ceil(8/4)) + (4 + ceil(2/4))
        assert_eq!(prompt_tokens(&req), 3 + 6 + 5);
        let image =
            |detail| ContentPart::ImageUrl { image_url: ImageUrl { url: "https://x.test/a.png".into(), detail } };
        let req = ChatRequest::new(
            "gpt-4o",
            vec![Message {
                role: Role::User,
                content: Content::Parts(vec![
                    ContentPart::Text { text: "what?".into() },
                    image(Some(ImageDetail::Low)),
                    image(None),
                ]),
            }],
        );
        assert_eq!(prompt_tokens(&req), 3 + 4 + 2 + 85 + 765);
    }
}
