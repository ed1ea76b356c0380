//! Validation before anything is sent: each error names the field and the allowed range or set.

use super::catalog::{chat_model, image_model, IMAGE_MODELS, SCHEDULERS};
use super::chat::{ChatRequest, Content, ContentPart};
use super::image::ImageRequest;
use crate::Error;

/// Allowed `temperature` range.
pub const TEMPERATURE_RANGE: (f64, f64) = (0.0, 2.0);
/// Allowed `steps` range.
pub const STEPS_RANGE: (u32, u32) = (1, 8);
/// Allowed `cfgScale` range.
pub const CFG_SCALE_RANGE: (f64, f64) = (1.0, 7.0);
/// Allowed `width` and `height` range.
pub const SIZE_RANGE: (u32, u32) = (256, 1344);

impl ChatRequest {
    /// Checks the request against the documented rules; the first broken rule is the error.
    pub fn validate(&self) -> Result<(), Error> {
        self.problems().into_iter().next().map_or(Ok(()), Err)
    }

    /// Like [`validate`](Self::validate), but a model the catalog does not list is accepted
    /// (the service decides): the rules that depend on the model (images, `reasoning_effort`)
    /// are then skipped. What clients use, so that a new service model needs no release.
    pub fn validate_any_model(&self) -> Result<(), Error> {
        self.problems_with(false).into_iter().next().map_or(Ok(()), Err)
    }

    /// Every broken rule, in field order (for forms that show all of them).
    pub fn problems(&self) -> Vec<Error> {
        self.problems_with(true)
    }

    /// Every broken rule; `known_model`: whether a model missing from the catalog is one.
    fn problems_with(&self, known_model: bool) -> Vec<Error> {
        let mut out = Vec::new();
        let model = chat_model(&self.model);
        if self.model.trim().is_empty() {
            out.push(Error::invalid("model", "must not be empty"));
        } else if model.is_none() && known_model {
            out.push(Error::invalid(
                "model",
                format!("unknown chat model \"{}\"; expected one of {}", self.model, chat_model_list()),
            ));
        }
        if self.messages.is_empty() {
            out.push(Error::invalid("messages", "must contain at least one message"));
        }
        for (i, message) in self.messages.iter().enumerate() {
            if let Content::Parts(parts) = &message.content {
                if parts.is_empty() {
                    out.push(Error::invalid(format!("messages[{i}].content"), "must not be an empty list of parts"));
                }
                for (j, part) in parts.iter().enumerate() {
                    let ContentPart::ImageUrl { image_url } = part else { continue };
                    let field = format!("messages[{i}].content[{j}].image_url");
                    if message.role != super::chat::Role::User {
                        out.push(Error::invalid(field.clone(), "images are allowed in user messages only"));
                    }
                    if let Some(m) = model.filter(|m| !m.vision) {
                        out.push(Error::invalid(
                            field.clone(),
                            format!("model {} does not accept images; use a vision model such as gpt-4o-mini", m.id),
                        ));
                    }
                    if !is_allowed_image_url(&image_url.url) {
                        out.push(Error::invalid(
                            format!("{field}.url"),
                            "must be an http, https or data:image/… URL of a png, jpeg, webp, gif or avif image",
                        ));
                    }
                }
            }
        }
        if let Some(t) = self.temperature {
            if !(TEMPERATURE_RANGE.0..=TEMPERATURE_RANGE.1).contains(&t) {
                out.push(Error::invalid("temperature", format!("must be between 0 and 2 (got {t})")));
            }
        }
        if self.max_completion_tokens == Some(0) {
            out.push(Error::invalid("max_completion_tokens", "must be at least 1 (got 0)"));
        }
        if let (Some(effort), Some(model)) = (self.reasoning_effort, model) {
            match model.reasoning {
                None => out.push(Error::invalid(
                    "reasoning_effort",
                    format!("model {} does not take reasoning_effort; only GPT-5 and later models do", model.id),
                )),
                Some(family) if !family.values().contains(&effort) => {
                    let allowed: Vec<&str> = family.values().iter().map(|v| v.as_str()).collect();
                    out.push(Error::invalid(
                        "reasoning_effort",
                        format!(
                            "\"{}\" is not accepted by {}; expected one of {}",
                            effort.as_str(),
                            model.id,
                            allowed.join(", ")
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        out
    }
}

impl ImageRequest {
    /// Checks the request against the documented ranges; the first broken rule is the error.
    pub fn validate(&self) -> Result<(), Error> {
        self.problems().into_iter().next().map_or(Ok(()), Err)
    }

    /// Every broken rule, in form order (for forms that show all of them).
    pub fn problems(&self) -> Vec<Error> {
        let mut out = Vec::new();
        if image_model(&self.model).is_none() {
            let all: Vec<&str> = IMAGE_MODELS.iter().map(|m| m.id).collect();
            out.push(Error::invalid(
                "model",
                format!("unknown image model \"{}\"; expected one of {}", self.model, all.join(", ")),
            ));
        }
        if self.prompt.trim().is_empty() {
            out.push(Error::invalid("prompt", "must not be empty"));
        }
        if let Some(s) = &self.scheduler {
            if !SCHEDULERS.contains(&s.as_str()) {
                out.push(Error::invalid(
                    "scheduler",
                    format!("unknown scheduler \"{s}\"; expected one of {}", SCHEDULERS.join(", ")),
                ));
            }
        }
        if let Some(steps) = self.steps {
            if !(STEPS_RANGE.0..=STEPS_RANGE.1).contains(&steps) {
                out.push(Error::invalid("steps", format!("must be between 1 and 8 (got {steps})")));
            }
        }
        if let Some(cfg) = self.cfg_scale {
            if !(CFG_SCALE_RANGE.0..=CFG_SCALE_RANGE.1).contains(&cfg) {
                out.push(Error::invalid("cfgScale", format!("must be between 1 and 7 (got {cfg})")));
            }
        }
        for (field, value) in [("width", self.width), ("height", self.height)] {
            if let Some(v) = value {
                if !(SIZE_RANGE.0..=SIZE_RANGE.1).contains(&v) {
                    out.push(Error::invalid(field, format!("must be between 256 and 1344 (got {v})")));
                }
            }
        }
        out
    }
}

/// The raster image types a `data:` URL may carry. Never SVG: it is a document that can
/// run script, and shown from a `blob:` URL it runs on the app's origin (issue 13).
pub const RASTER_IMAGE_TYPES: &[&str] = &["png", "jpeg", "jpg", "webp", "gif", "avif"];

/// Whether an image URL in a chat message or a job answer may be used: `http:`, `https:`
/// or `data:image/<raster type>` (png, jpeg, webp, gif, avif; compared without case).
pub fn is_allowed_image_url(url: &str) -> bool {
    let url = url.trim_start();
    let lower: String = url.chars().take(24).collect::<String>().to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("data:image/") {
        let subtype = rest.split([';', ',']).next().unwrap_or("");
        return rest.len() > subtype.len() && RASTER_IMAGE_TYPES.contains(&subtype);
    }
    (lower.starts_with("https://") || lower.starts_with("http://")) && url.len() > "https://".len() - 1
}

fn chat_model_list() -> String {
    super::catalog::CHAT_MODELS.iter().map(|m| m.id).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::chat::{ImageDetail, ImageUrl, Message, ReasoningEffort, Role};
    use crate::ErrorKind;

    fn chat(model: &str) -> ChatRequest {
        ChatRequest::new(model, vec![Message::user("hi")])
    }

    fn image_msg(url: &str) -> Message {
        Message {
            role: Role::User,
            content: Content::Parts(vec![
                ContentPart::Text { text: "look".into() },
                ContentPart::ImageUrl { image_url: ImageUrl { url: url.into(), detail: Some(ImageDetail::Auto) } },
            ]),
        }
    }

    #[test]
    fn any_model_is_accepted_with_its_own_rules_skipped() {
        let new_model = ChatRequest {
            reasoning_effort: Some(ReasoningEffort::Minimal),
            ..ChatRequest::new("gpt-3.5-turbo", vec![image_msg("https://x.test/a.png")])
        };
        assert_eq!(new_model.validate_any_model(), Ok(()));
        assert_eq!(new_model.validate().expect_err("closed list").field(), Some("model"));
        // The rules that do not depend on the model still hold.
        let hot = ChatRequest { temperature: Some(3.0), ..chat("gpt-3.5-turbo") };
        assert_eq!(
            hot.validate_any_model().expect_err("too hot").sentence(),
            "temperature must be between 0 and 2 (got 3)"
        );
        let blank = chat(" ");
        assert_eq!(blank.validate_any_model().expect_err("blank").message(), "model: must not be empty");
        // A known model keeps its rules.
        let effort = ChatRequest { reasoning_effort: Some(ReasoningEffort::Low), ..chat("gpt-4o") };
        assert_eq!(effort.validate_any_model().expect_err("no effort").field(), Some("reasoning_effort"));
    }

    #[test]
    fn chat_validation_table() {
        type Case = (&'static str, fn() -> ChatRequest, Option<(&'static str, &'static str)>);
        let cases: &[Case] = &[
            ("plain ok", || chat("gpt-4o-mini"), None),
            ("unknown model", || chat("gpt-9"), Some(("model", "expected one of gpt-4o-mini"))),
            ("no messages", || ChatRequest::new("gpt-4o", vec![]), Some(("messages", "at least one"))),
            ("temperature 0 ok", || ChatRequest { temperature: Some(0.0), ..chat("gpt-4o") }, None),
            ("temperature 2 ok", || ChatRequest { temperature: Some(2.0), ..chat("gpt-4o") }, None),
            (
                "temperature high",
                || ChatRequest { temperature: Some(2.01), ..chat("gpt-4o") },
                Some(("temperature", "between 0 and 2")),
            ),
            (
                "temperature negative",
                || ChatRequest { temperature: Some(-0.1), ..chat("gpt-4o") },
                Some(("temperature", "between 0 and 2")),
            ),
            (
                "temperature NaN",
                || ChatRequest { temperature: Some(f64::NAN), ..chat("gpt-4o") },
                Some(("temperature", "between 0 and 2")),
            ),
            (
                "max tokens 0",
                || ChatRequest { max_completion_tokens: Some(0), ..chat("gpt-4o") },
                Some(("max_completion_tokens", "at least 1")),
            ),
            ("max tokens 1 ok", || ChatRequest { max_completion_tokens: Some(1), ..chat("gpt-4o") }, None),
            (
                "effort on gpt-4o",
                || ChatRequest { reasoning_effort: Some(ReasoningEffort::Low), ..chat("gpt-4o") },
                Some(("reasoning_effort", "does not take")),
            ),
            (
                "minimal on gpt-5",
                || ChatRequest { reasoning_effort: Some(ReasoningEffort::Minimal), ..chat("gpt-5") },
                None,
            ),
            (
                "none on gpt-5",
                || ChatRequest { reasoning_effort: Some(ReasoningEffort::None), ..chat("gpt-5") },
                Some(("reasoning_effort", "minimal, low, medium, high")),
            ),
            (
                "none on gpt-5.1",
                || ChatRequest { reasoning_effort: Some(ReasoningEffort::None), ..chat("gpt-5.1") },
                None,
            ),
            (
                "minimal on gpt-5.4",
                || ChatRequest { reasoning_effort: Some(ReasoningEffort::Minimal), ..chat("gpt-5.4") },
                Some(("reasoning_effort", "none, low, medium, high")),
            ),
            (
                "image to vision model",
                || ChatRequest::new("gpt-4o-mini", vec![image_msg("https://x.test/a.png")]),
                None,
            ),
            ("data url image", || ChatRequest::new("gpt-4o-mini", vec![image_msg("data:image/png;base64,AAAA")]), None),
            (
                "image to codex",
                || ChatRequest::new("gpt-5.3-codex", vec![image_msg("https://x.test/a.png")]),
                Some(("messages[0].content[1].image_url", "does not accept images")),
            ),
            (
                "javascript url",
                || ChatRequest::new("gpt-4o", vec![image_msg("javascript:alert(1)")]),
                Some(("messages[0].content[1].image_url.url", "http, https or data:image/")),
            ),
            (
                "data text url",
                || ChatRequest::new("gpt-4o", vec![image_msg("data:text/html,<b>")]),
                Some(("messages[0].content[1].image_url.url", "http, https or data:image/")),
            ),
            (
                "empty parts",
                || ChatRequest::new("gpt-4o", vec![Message { role: Role::User, content: Content::Parts(vec![]) }]),
                Some(("messages[0].content", "empty")),
            ),
        ];
        for (name, make, expected) in cases {
            let result = make().validate();
            match (expected, result) {
                (None, Ok(())) => {}
                (Some((field, words)), Err(e)) => {
                    assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{name}");
                    assert_eq!(e.field(), Some(*field), "{name}: {e}");
                    assert!(e.message().contains(words), "{name}: {e}");
                    assert!(e.message().starts_with(field), "{name}: message names the field: {e}");
                }
                (expected, got) => panic!("{name}: expected {expected:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn image_validation_table() {
        let base = || ImageRequest::new("dreamshaper", "a lighthouse at dusk");
        type Case = (&'static str, ImageRequest, Option<(&'static str, &'static str)>);
        let cases: Vec<Case> = vec![
            ("defaults ok", base(), None),
            (
                "unknown model",
                ImageRequest { model: "sdxl".into(), ..base() },
                Some(("model", "expected one of realvision")),
            ),
            ("blank prompt", ImageRequest { prompt: "  ".into(), ..base() }, Some(("prompt", "must not be empty"))),
            ("scheduler ok", ImageRequest { scheduler: Some("DPM++ 2M SDE Karras".into()), ..base() }, None),
            (
                "bad scheduler",
                ImageRequest { scheduler: Some("DDIM".into()), ..base() },
                Some(("scheduler", "expected one of Euler a")),
            ),
            ("steps 0", ImageRequest { steps: Some(0), ..base() }, Some(("steps", "between 1 and 8 (got 0)"))),
            ("steps 1", ImageRequest { steps: Some(1), ..base() }, None),
            ("steps 8", ImageRequest { steps: Some(8), ..base() }, None),
            ("steps 9", ImageRequest { steps: Some(9), ..base() }, Some(("steps", "between 1 and 8 (got 9)"))),
            ("cfg 0.5", ImageRequest { cfg_scale: Some(0.5), ..base() }, Some(("cfgScale", "between 1 and 7"))),
            ("cfg 7", ImageRequest { cfg_scale: Some(7.0), ..base() }, None),
            ("cfg 7.5", ImageRequest { cfg_scale: Some(7.5), ..base() }, Some(("cfgScale", "between 1 and 7"))),
            (
                "width 255",
                ImageRequest { width: Some(255), ..base() },
                Some(("width", "between 256 and 1344 (got 255)")),
            ),
            ("width 256", ImageRequest { width: Some(256), ..base() }, None),
            ("height 1344", ImageRequest { height: Some(1344), ..base() }, None),
            (
                "height 1345",
                ImageRequest { height: Some(1345), ..base() },
                Some(("height", "between 256 and 1344 (got 1345)")),
            ),
        ];
        for (name, req, expected) in cases {
            match (expected, req.validate()) {
                (None, Ok(())) => {}
                (Some((field, words)), Err(e)) => {
                    assert_eq!(e.field(), Some(field), "{name}");
                    assert!(e.message().contains(words), "{name}: {e}");
                }
                (expected, got) => panic!("{name}: expected {expected:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn problems_lists_every_field() {
        let req = ImageRequest { steps: Some(0), cfg_scale: Some(9.0), width: Some(1), ..ImageRequest::new("x", "") };
        let fields: Vec<_> = req.problems().iter().map(|e| e.field().unwrap_or_default().to_owned()).collect();
        assert_eq!(fields, ["model", "prompt", "steps", "cfgScale", "width"]);
    }

    #[test]
    fn image_url_schemes() {
        for ok in [
            "https://a.test/x.png",
            "HTTP://a.test/x",
            "data:image/webp;base64,AA",
            " https://a.test/",
            "DATA:IMAGE/PNG;base64,AA",
            "data:image/jpeg;base64,AA",
            "data:image/gif,x",
            "data:image/avif;base64,AA",
        ] {
            assert!(is_allowed_image_url(ok), "{ok}");
        }
        // Issue 13: SVG was accepted as an image type and shown via blob: on the app's origin.
        for bad in [
            "data:image/svg+xml;base64,PHN2Zz4=",
            "data:image/SVG+XML,<svg onload=alert(1)>",
            "data:image/*;base64,AA",
            "data:image/png",
            "data:image/pngx;base64,AA",
            "javascript:alert(1)",
            "data:text/html,x",
            "ftp://a.test/x.png",
            "//a.test/x.png",
            "vbscript:x",
            "",
            "https:",
        ] {
            assert!(!is_allowed_image_url(bad), "{bad}");
        }
    }
}
