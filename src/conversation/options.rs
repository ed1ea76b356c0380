//! The conversation options as typed: each field's text parsed, or refused in words that
//! name the field as on screen and say what is allowed. Empty means "the default" (`None`).

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
    match text.parse::<f64>() {
        Ok(b) if b > 0.0 && b.is_finite() => Ok(Some(b)),
        _ => {
            Err(format!("The budget must be a positive amount of US dollars, or empty for none (you entered {text})."))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
