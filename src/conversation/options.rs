//! The conversation options as typed: each field's text parsed, or refused in words that
//! name the field as on screen and say what is allowed. Empty means "the default" (`None`).

use crate::catalog::ChatModel;
use crate::words::field_message;

/// Temperature, 0 to 2.
pub fn parse_temperature(text: &str) -> Result<Option<f64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(t) if (0.0..=2.0).contains(&t) => Ok(Some(t)),
        Ok(_) => Err(field_message("temperature", &format!("must be between 0 and 2 (got {text})"))),
        Err(_) => Err(field_message("temperature", "must be a number between 0 and 2")),
    }
}

/// Max completion tokens, a whole number of at least 1.
pub fn parse_max_tokens(text: &str) -> Result<Option<u32>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<i64>() {
        Ok(n) if n >= 1 => u32::try_from(n)
            .map(Some)
            .map_err(|_| field_message("max_completion_tokens", &format!("must be at most {} (got {text})", u32::MAX))),
        Ok(_) => Err(field_message("max_completion_tokens", &format!("must be at least 1 (got {text})"))),
        Err(_) => Err(field_message("max_completion_tokens", "must be a whole number of at least 1")),
    }
}

/// A conversation's budget in USD: a positive amount, or empty for none.
pub fn parse_budget(text: &str) -> Result<Option<f64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match crate::money::parse_usd(text) {
        Some(b) => Ok(Some(b)),
        None => {
            Err(format!("The budget must be a positive amount of US dollars, or empty for none (you entered {text})."))
        }
    }
}

/// A temperature the model may refuse, said before sending: OpenAI's reasoning models (the
/// GPT-5 family here) take only the default, 1. The provider's document lists `temperature`
/// for every model, so it is sent as set (what is shown is what is sent), and said (user
/// review: a 0.7 set for gpt-4o-mini went on to gpt-5 unsaid).
pub fn temperature_warning(settings: &super::ChatSettings) -> Option<String> {
    let t = settings.temperature.filter(|t| *t != 1.0)?;
    crate::catalog::chat_model(&settings.model)?.reasoning?;
    Some(format!(
        "Temperature is set to {t} in Options, and {} is a reasoning model: OpenAI's reasoning models take only the default temperature (1), so the service may refuse this message. Clear Temperature to use the default.",
        settings.model
    ))
}

/// A model's prices and abilities as the model picker shows them after its name:
/// `$0.15/$0.60 per 1M · images`, `$1.25/$10 per 1M · images · reasoning`.
pub fn model_details(m: &ChatModel) -> String {
    let mut text = format!(
        "{}/{} per 1M",
        usd_per_million(m.input_nano_usd_per_token),
        usd_per_million(m.output_nano_usd_per_token)
    );
    if m.vision {
        text.push_str(" · images");
    }
    if m.reasoning.is_some() {
        text.push_str(" · reasoning");
    }
    text
}

/// A price in nano-USD per token as USD per 1M tokens: whole dollars bare, cents always with
/// two digits (`$10`, `$2.50`, `$0.15`, `$0.075`).
fn usd_per_million(nano_per_token: u64) -> String {
    let (whole, thousandths) = (nano_per_token / 1000, nano_per_token % 1000);
    if thousandths == 0 {
        return format!("${whole}");
    }
    let digits = format!("{thousandths:03}");
    let digits = if digits.ends_with('0') { &digits[..2] } else { &digits[..] };
    format!("${whole}.{digits}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temperature_a_reasoning_model_may_refuse_is_said() {
        let mut s =
            super::super::ChatSettings { model: "gpt-4o-mini".into(), temperature: Some(0.7), ..Default::default() };
        assert_eq!(temperature_warning(&s), None, "gpt-4o-mini takes it");
        s.model = "gpt-5".into();
        assert_eq!(
            temperature_warning(&s).as_deref(),
            Some("Temperature is set to 0.7 in Options, and gpt-5 is a reasoning model: OpenAI's reasoning models take only the default temperature (1), so the service may refuse this message. Clear Temperature to use the default.")
        );
        s.temperature = Some(1.0);
        assert_eq!(temperature_warning(&s), None, "the default is taken");
        s.temperature = None;
        assert_eq!(temperature_warning(&s), None);
        s.temperature = Some(0.0);
        s.model = "gpt-5.1-codex-mini".into();
        assert!(temperature_warning(&s)
            .is_some_and(|w| w.starts_with("Temperature is set to 0 in Options, and gpt-5.1-codex-mini")));
    }

    #[test]
    fn typed_options_are_parsed_or_refused_in_words() {
        assert_eq!(parse_temperature(" 0.7 "), Ok(Some(0.7)));
        assert_eq!(parse_temperature(""), Ok(None));
        assert_eq!(parse_temperature("3"), Err("Temperature must be between 0 and 2 (you entered 3).".into()));
        assert_eq!(parse_temperature("warm"), Err("Temperature must be a number between 0 and 2.".into()));
        assert_eq!(parse_max_tokens("500"), Ok(Some(500)));
        assert_eq!(parse_max_tokens("-5"), Err("Max completion tokens must be at least 1 (you entered -5).".into()));
        assert_eq!(parse_max_tokens("1.5"), Err("Max completion tokens must be a whole number of at least 1.".into()));
        assert_eq!(parse_budget("0.25"), Ok(Some(0.25)));
        assert!(parse_budget("0").is_err() && parse_budget("-1").is_err() && parse_budget("inf").is_err());
    }

    #[test]
    fn the_picker_shows_prices_per_million_tokens() {
        let shown = |id: &str| model_details(crate::catalog::chat_model(id).expect("known model"));
        assert_eq!(shown("gpt-4o-mini"), "$0.15/$0.60 per 1M · images");
        assert_eq!(shown("gpt-5"), "$1.25/$10 per 1M · images · reasoning");
        assert_eq!(shown("gpt-5.3-codex"), "$1.75/$14 per 1M · reasoning");
        assert_eq!(usd_per_million(75), "$0.075");
        assert_eq!(usd_per_million(50), "$0.05");
    }
}
