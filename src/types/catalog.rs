//! The models, schedulers and prices of API.md, as data.
//!
//! Prices are kept in nano-USD per token (USD per 1M tokens × 1000), so that the cost
//! of a completion is exact integer arithmetic and the sandbox's accounting and ours
//! agree to the last digit.

use super::chat::{ChatRequest, ReasoningEffort, Usage, DEFAULT_MAX_COMPLETION_TOKENS};

/// Which `reasoning_effort` values a model family takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasoningFamily {
    /// GPT-5 (gpt-5, gpt-5-mini, gpt-5-nano): minimal, low, medium, high; default minimal.
    Gpt5,
    /// GPT-5.1 and later: none, low, medium, high; default none.
    Gpt51,
}

impl ReasoningFamily {
    /// The values this family accepts, in the documented order.
    pub fn values(self) -> &'static [ReasoningEffort] {
        use ReasoningEffort::*;
        match self {
            Self::Gpt5 => &[Minimal, Low, Medium, High],
            Self::Gpt51 => &[None, Low, Medium, High],
        }
    }

    /// The value the service uses when the request names none.
    pub fn default_value(self) -> ReasoningEffort {
        match self {
            Self::Gpt5 => ReasoningEffort::Minimal,
            Self::Gpt51 => ReasoningEffort::None,
        }
    }
}

/// A chat model and its prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatModel {
    /// The model id sent as `model`.
    pub id: &'static str,
    /// Input (prompt) price in nano-USD per token (= USD per 1M tokens × 1000).
    pub input_nano_usd_per_token: u64,
    /// Output (completion, reasoning included) price in nano-USD per token.
    pub output_nano_usd_per_token: u64,
    /// Whether and how the model takes `reasoning_effort`.
    pub reasoning: Option<ReasoningFamily>,
    /// Whether the model accepts image parts in user messages.
    pub vision: bool,
}

impl ChatModel {
    /// Input price in USD per 1M tokens, for display.
    pub fn input_usd_per_million(&self) -> f64 {
        self.input_nano_usd_per_token as f64 / 1000.0
    }

    /// Output price in USD per 1M tokens, for display.
    pub fn output_usd_per_million(&self) -> f64 {
        self.output_nano_usd_per_token as f64 / 1000.0
    }

    /// The exact cost of a completion in nano-USD: prompt tokens at the input price plus
    /// completion tokens (reasoning tokens are part of them) at the output price.
    pub fn cost_nano_usd(&self, prompt_tokens: u64, completion_tokens: u64) -> u64 {
        prompt_tokens
            .saturating_mul(self.input_nano_usd_per_token)
            .saturating_add(completion_tokens.saturating_mul(self.output_nano_usd_per_token))
    }

    /// The cost of a completion's usage in USD.
    pub fn cost_usd(&self, usage: &Usage) -> f64 {
        nano_to_usd(self.cost_nano_usd(usage.prompt_tokens, usage.completion_tokens))
    }
}

// Pricing lives here, not in the wire types (`chat.rs` names no catalog item): the
// catalog depends on the wire types, never the other way round.
impl ChatRequest {
    /// The most this request can cost in nano-USD: the estimated prompt plus
    /// `max_completion_tokens` (or the service default) at the output price. `None` for an
    /// unknown model.
    pub fn worst_case_cost_nano_usd(&self) -> Option<u64> {
        let model = chat_model(&self.model)?;
        let max_out = u64::from(self.max_completion_tokens.unwrap_or(DEFAULT_MAX_COMPLETION_TOKENS));
        Some(model.cost_nano_usd(self.estimate_prompt_tokens(), max_out))
    }
}

const fn chat(
    id: &'static str,
    input: u64,
    output: u64,
    reasoning: Option<ReasoningFamily>,
    vision: bool,
) -> ChatModel {
    ChatModel { id, input_nano_usd_per_token: input, output_nano_usd_per_token: output, reasoning, vision }
}

use ReasoningFamily::{Gpt5, Gpt51};

/// Every chat model of API.md, in its order.
///
/// API.md names gpt-4o-mini, gpt-4o and gpt-5-nano in its vision examples; the GPT-4.1 and
/// GPT-5.x general models take images too. The codex models are text-only here.
pub const CHAT_MODELS: &[ChatModel] = &[
    chat("gpt-4o-mini", 150, 600, None, true),
    chat("gpt-4o", 2_500, 10_000, None, true),
    chat("gpt-4.1", 2_000, 8_000, None, true),
    chat("gpt-4.1-mini", 400, 1_600, None, true),
    chat("gpt-4.1-nano", 100, 400, None, true),
    chat("gpt-5", 1_250, 10_000, Some(Gpt5), true),
    chat("gpt-5-mini", 250, 2_000, Some(Gpt5), true),
    chat("gpt-5-nano", 50, 400, Some(Gpt5), true),
    chat("gpt-5.1", 1_250, 10_000, Some(Gpt51), true),
    chat("gpt-5.2", 1_750, 14_000, Some(Gpt51), true),
    chat("gpt-5.4", 2_500, 15_000, Some(Gpt51), true),
    chat("gpt-5.4-mini", 750, 4_500, Some(Gpt51), true),
    chat("gpt-5.4-nano", 200, 1_250, Some(Gpt51), true),
    chat("gpt-5.5", 5_000, 30_000, Some(Gpt51), true),
    chat("gpt-5.3-codex", 1_750, 14_000, Some(Gpt51), false),
    chat("gpt-5.1-codex-mini", 250, 2_000, Some(Gpt51), false),
];

/// Looks up a chat model by id.
pub fn chat_model(id: &str) -> Option<&'static ChatModel> {
    CHAT_MODELS.iter().find(|m| m.id == id)
}

/// A text-to-image model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageModel {
    /// The model id sent as `model`.
    pub id: &'static str,
    /// A short description for pickers.
    pub description: &'static str,
}

/// Every text-to-image model of API.md, in its order.
pub const IMAGE_MODELS: &[ImageModel] = &[
    ImageModel { id: "realvision", description: "Photorealistic people and scenes" },
    ImageModel { id: "juggernaut", description: "Versatile realism with strong lighting" },
    ImageModel { id: "autismmix", description: "Stylised illustration and anime" },
    ImageModel { id: "dreamshaper", description: "Painterly fantasy, general purpose" },
    ImageModel { id: "valhalla", description: "Epic, cinematic compositions" },
    ImageModel { id: "mixrealistic", description: "Blend of realism and illustration" },
    ImageModel { id: "campursari", description: "Soft, warm portrait style" },
    ImageModel { id: "reality", description: "Natural photographic look" },
    ImageModel { id: "extrarealistic", description: "High-detail photographic realism" },
    ImageModel { id: "realism", description: "Clean, true-to-life photos" },
    ImageModel { id: "realgirls", description: "Realistic portrait photography" },
    ImageModel { id: "realityreborn", description: "Sharp realism with vivid colour" },
    ImageModel { id: "amigo", description: "Friendly cartoon and character art" },
    ImageModel { id: "simplemix", description: "Simple, fast general-purpose mix" },
    ImageModel { id: "beautifulrealistic", description: "Polished, glossy realism" },
];

/// Looks up an image model by id.
pub fn image_model(id: &str) -> Option<&'static ImageModel> {
    IMAGE_MODELS.iter().find(|m| m.id == id)
}

/// Every scheduler of API.md, in its order.
pub const SCHEDULERS: &[&str] = &[
    "Euler a",
    "Euler",
    "LMS",
    "Heun",
    "DPM2",
    "DPM2 a",
    "DPM++ 2S a",
    "DPM++ 2M",
    "DPM++ SDE",
    "DPM++ 2M SDE",
    "DPM fast",
    "LMS Karras",
    "DPM2 Karras",
    "DPM2 a Karras",
    "DPM++ 2S a Karras",
    "DPM++ 2M Karras",
    "DPM++ SDE Karras",
    "DPM++ 2M SDE Karras",
];

/// The scheduler the service uses when the request names none.
pub const DEFAULT_SCHEDULER: &str = "DPM++ SDE";

/// The price of one image, any model: USD 0.0015.
pub const IMAGE_PRICE_NANO_USD: u64 = 1_500_000;

/// Converts nano-USD to USD.
pub fn nano_to_usd(nano: u64) -> f64 {
    nano as f64 / 1e9
}

/// Parses a non-negative decimal USD amount (`5`, `0.0015`, `$1.5`, `.5`) to nano-USD
/// exactly: at most 9 decimals, no sign, no exponent. `None` for anything else.
pub fn parse_usd_nano(s: &str) -> Option<u64> {
    let s = s.trim();
    let s = s.strip_prefix('$').unwrap_or(s);
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty() || frac.len() > 9 {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let frac_nano: u64 = if frac.is_empty() { 0 } else { format!("{frac:0<9}").parse().ok()? };
    whole.checked_mul(1_000_000_000)?.checked_add(frac_nano)
}

/// Formats nano-USD exactly, as `$0.0015`: at least two decimals, no trailing zeros
/// beyond them.
pub fn format_nano_usd(nano: u64) -> String {
    let whole = nano / 1_000_000_000;
    let frac = format!("{:09}", nano % 1_000_000_000);
    let frac = frac.trim_end_matches('0');
    let frac = if frac.len() < 2 { format!("{frac:0<2}") } else { frac.to_owned() };
    format!("${whole}.{frac}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_case_cost() {
        use crate::types::chat::Message;
        let req = ChatRequest::new("gpt-4o-mini", vec![Message::user("x".repeat(300))]);
        let worst = req.worst_case_cost_nano_usd().expect("known model");
        assert_eq!(worst, 107 * 150 + 1000 * 600);
        let capped = ChatRequest { max_completion_tokens: Some(10), ..req.clone() };
        assert_eq!(capped.worst_case_cost_nano_usd(), Some(107 * 150 + 10 * 600));
        let unknown = ChatRequest::new("nope", vec![]);
        assert_eq!(unknown.worst_case_cost_nano_usd(), None);
    }

    #[test]
    fn catalog_matches_api_md() {
        assert_eq!(CHAT_MODELS.len(), 16);
        assert_eq!(IMAGE_MODELS.len(), 15);
        assert_eq!(SCHEDULERS.len(), 18);
        assert!(SCHEDULERS.contains(&DEFAULT_SCHEDULER));
        let m = chat_model("gpt-4o-mini").expect("listed");
        assert_eq!((m.input_usd_per_million(), m.output_usd_per_million()), (0.15, 0.60));
        let m = chat_model("gpt-5.5").expect("listed");
        assert_eq!((m.input_usd_per_million(), m.output_usd_per_million()), (5.0, 30.0));
        assert_eq!(chat_model("gpt-5-nano").and_then(|m| m.reasoning), Some(Gpt5));
        assert_eq!(chat_model("gpt-5.1").and_then(|m| m.reasoning), Some(Gpt51));
        assert_eq!(chat_model("gpt-4.1").and_then(|m| m.reasoning), None);
        for id in ["gpt-4o-mini", "gpt-4o", "gpt-5-nano"] {
            assert!(chat_model(id).is_some_and(|m| m.vision), "{id} takes images per API.md");
        }
        assert!(chat_model("nope").is_none());
        assert!(image_model("dreamshaper").is_some());
    }

    #[test]
    fn usd_amounts_parse_and_print_exactly() {
        assert_eq!(parse_usd_nano("5"), Some(5_000_000_000));
        assert_eq!(parse_usd_nano(" 5.00 "), Some(5_000_000_000));
        assert_eq!(parse_usd_nano("$0.0015"), Some(1_500_000));
        assert_eq!(parse_usd_nano(".5"), Some(500_000_000));
        assert_eq!(parse_usd_nano("$1.000000001"), Some(1_000_000_001));
        for bad in ["", ".", "-1", "1e3", "1.0000000001", "abc", "99999999999999999999"] {
            assert_eq!(parse_usd_nano(bad), None, "{bad}");
        }
        assert_eq!(format_nano_usd(5_000_000_000), "$5.00");
        assert_eq!(format_nano_usd(1_500_000), "$0.0015");
        assert_eq!(format_nano_usd(4_350), "$0.00000435");
        assert_eq!(format_nano_usd(0), "$0.00");
    }

    #[test]
    fn cost_is_exact() {
        // API.md's example usage: 17 prompt + 3 completion tokens on gpt-4o-mini.
        let m = chat_model("gpt-4o-mini").expect("listed");
        assert_eq!(m.cost_nano_usd(17, 3), 17 * 150 + 3 * 600);
        assert_eq!(nano_to_usd(m.cost_nano_usd(17, 3)), 0.00000435);
        // One million tokens each way costs exactly the table's prices.
        let m = chat_model("gpt-5.2").expect("listed");
        assert_eq!(nano_to_usd(m.cost_nano_usd(1_000_000, 1_000_000)), 1.75 + 14.0);
        assert_eq!(nano_to_usd(IMAGE_PRICE_NANO_USD), 0.0015);
    }

    #[test]
    fn reasoning_values_per_family() {
        use ReasoningEffort::*;
        assert_eq!(Gpt5.values(), &[Minimal, Low, Medium, High]);
        assert_eq!(Gpt51.values(), &[None, Low, Medium, High]);
        assert_eq!(Gpt5.default_value(), Minimal);
        assert_eq!(Gpt51.default_value(), None);
    }
}
