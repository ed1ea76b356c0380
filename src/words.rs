//! Words for people: messages shown in the app are whole sentences.

/// `text` as a sentence: a capital first letter and a full stop, so that two messages
/// shown one after the other never run together ("…available Your credit…").
pub fn sentence(text: &str) -> String {
    let text = text.trim();
    let mut chars = text.chars();
    let Some(first) = chars.next() else { return String::new() };
    let mut out: String = first.to_uppercase().chain(chars).collect();
    if !out.ends_with(['.', '!', '?', '…']) {
        out.push('.');
    }
    out
}

/// The on-screen label of a request or form field, from its wire name (`cfgScale` → "CFG
/// scale"); `None` for a field no screen shows.
pub fn label_of(field: &str) -> Option<&'static str> {
    Some(match field {
        "model" => "Model",
        "temperature" => "Temperature",
        "max_completion_tokens" | "maxCompletionTokens" => "Max completion tokens",
        "reasoning_effort" | "reasoningEffort" => "Reasoning effort",
        f if f == "messages" || f.starts_with("messages[") => "Message",
        "prompt" => "Prompt",
        "negativePrompt" | "negative_prompt" => "Negative prompt",
        "scheduler" => "Scheduler",
        "steps" => "Steps",
        "cfgScale" | "cfg_scale" => "CFG scale",
        "width" => "Width",
        "height" => "Height",
        "count" => "Images",
        "wait" => "Wait per job",
        "apiKey" => "API key",
        "baseUrl" => "API base URL",
        _ => return None,
    })
}

/// A validation message for people: the field named as on screen, then what is allowed, as
/// one sentence. `message` may start with the field's wire name ("cfgScale: must be between
/// 1 and 7 (got 9)" → "CFG scale must be between 1 and 7 (you entered 9).").
pub fn field_message(field: &str, message: &str) -> String {
    let rest = message.strip_prefix(field).map_or(message, |r| r.trim_start_matches(':').trim_start());
    let rest = rest.replace("(got ", "(you entered ");
    let label = label_of(field).unwrap_or(field);
    // "CFG scale must be…" reads on; anything else is said after the field's name.
    if ["must ", "is ", "cannot ", "should "].iter().any(|w| rest.starts_with(w)) {
        sentence(&format!("{label} {rest}"))
    } else {
        sentence(&format!("{label}: {rest}"))
    }
}

/// A library error in words for people: a validation error names the field as on screen.
pub fn error_words(err: &crate::Error) -> String {
    match err.field() {
        Some(field) => field_message(field, err.message()),
        None => sentence(err.message()),
    }
}

/// The message of the network error an answer fails with when the app's own sending code (a
/// wasm chunk fetched after the first paint) could not be downloaded.
pub const UNFETCHED: &str = "the app's sending code could not be downloaded";

/// What a failed answer says, in one go and without repeating itself: a headline for the
/// kind of failure, the server's own words when they add something (without the library's
/// "insufficient credit (http 402): " prefix or the server repeating the headline), and what
/// to do. `message` is the library error's message.
pub fn turn_error_words(kind: &str, message: &str) -> String {
    let (headline, hint) = match kind {
        // Nothing reached the service: the endpoint is not in question.
        "network" if message == UNFETCHED => ("", "Check your connection, then retry."),
        // Part of the answer came: the endpoint answered, so only the connection is in question
        // (user review: it pointed at the API base URL after half an answer).
        "network" if message.starts_with("the connection was lost") => ("", "Check your connection, then retry."),
        "authentication" => ("The API key was refused", "Check your API key in Settings."),
        "insufficient_credit" => ("Not enough credit", "Top up your credit, then retry."),
        "rate_limited" => ("The service is busy", ""),
        "network" => ("", "Check your connection, and the API base URL in Settings."),
        "timeout" => ("The server took too long to answer", ""),
        "server" => ("The server failed", ""),
        "invalid_request" => ("The request was refused", ""),
        "protocol" => ("The server's answer could not be read", ""),
        _ => ("", ""),
    };
    // The library's "<what> (http NNN): <server words>": keep the server's words.
    let mut detail = message.trim();
    // "could not reach <origin>: the connection failed, or the browser blocked the request
    // (CORS) (Failed to fetch)": the browser's reasons are for developers; the origin is not.
    if kind == "network" {
        if let Some(at) = detail.find(": the connection failed") {
            detail = &detail[..at];
        }
    }
    // "malformed stream chunk: EOF while parsing… ; body: {…}": the parser's words and the
    // chunk are for developers; what went wrong is said plainly.
    if kind == "protocol" {
        detail = match detail.split(':').next().unwrap_or_default().trim() {
            "malformed stream chunk" => "a piece of it arrived garbled",
            "invalid JSON answer" | "unexpected JSON answer" => "it was not the answer the app expects",
            what if what.starts_with("the stream ended") || what.starts_with("the answer had no") => what,
            _ => "",
        };
    }
    // An error inside a 200 answer: the library says where the server's words came from,
    // which the headline already says (user review: "The server failed: the server
    // reported an error: …").
    if let Some(rest) = detail.strip_prefix("the server reported an error:") {
        detail = rest.trim();
    }
    let mut status = "";
    if let Some(at) = detail.find(" (http ") {
        if let Some(end) = detail[at..].find(')') {
            status = &detail[at + 7..at + end];
            detail = detail[at + end + 1..].trim_start_matches(':').trim();
        }
    }
    // Servers often start with the headline again ("insufficient credit: this request…").
    for repeat in [kind.replace('_', " "), headline.to_lowercase()] {
        if !repeat.is_empty() && detail.to_lowercase().starts_with(&repeat) {
            detail = detail[repeat.len()..].trim_start_matches([':', '.', ' ']).trim();
        }
    }
    let first = match (headline.is_empty(), detail.is_empty()) {
        (true, _) => sentence(detail),
        // No words from the server: its status code is all there is to go on.
        (false, true) if !status.is_empty() => sentence(&format!("{headline} (HTTP {status})")),
        (false, true) => sentence(headline),
        (false, false) => sentence(&format!("{headline}: {detail}")),
    };
    [first.as_str(), hint].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" ")
}

/// What an answer says while the client waits `left` to try again after a failure (`kind`,
/// `message` as for [`turn_error_words`]): "The service is busy (HTTP 429). Trying again in
/// 5 s…", counting down (user review: it said "in 5 s" for five seconds), then "Trying
/// again…" while the new try is on its way.
pub fn retrying_words(kind: &str, message: &str, left: std::time::Duration) -> String {
    match left.as_millis().div_ceil(1000) {
        0 => format!("{} Trying again…", turn_error_words(kind, message)),
        secs => format!("{} Trying again in {secs} s…", turn_error_words(kind, message)),
    }
}

/// What a failed answer adds while the wait the service asked for (until `until_ms`) is not
/// over at `now_ms`: " Retry in 3 s.", counting down, then nothing (user review: it said
/// "Retry in 3 s." a minute later).
pub fn retry_in(until_ms: u64, now_ms: u64) -> String {
    match until_ms.saturating_sub(now_ms).div_ceil(1000) {
        0 => String::new(),
        secs => format!(" Retry in {secs} s."),
    }
}

/// [`turn_error_words`] for a chat answer: short of credit, a lower token cap also helps,
/// since the service holds the most a message can cost before it answers.
pub fn answer_error_words(kind: &str, message: &str) -> String {
    let words = turn_error_words(kind, message);
    // Too large: every message sends the conversation's images again, so it stays too large
    // until one goes (the service's own words say only "request body too large").
    if kind == "invalid_request" && message.contains("(http 413)") {
        return format!(
            "{words} Every message sends the images earlier in this conversation again: edit the message with the largest image to remove it, or start a new chat."
        );
    }
    match (kind, words.strip_suffix("Top up your credit, then retry.")) {
        ("insufficient_credit", Some(start)) => {
            format!("{start}Top up your credit, or lower Max completion tokens in the chat's options, then retry.")
        }
        _ => words,
    }
}

/// What an answer says while nothing of it has come yet (user review: only the Stop button
/// showed that anything was happening, and a reasoning model can think for a while first).
pub fn waiting_for_answer(model: &str) -> &'static str {
    if crate::catalog::chat_model(model).is_some_and(|m| m.reasoning.is_some()) {
        "Thinking before it answers…"
    } else {
        "Waiting for the answer…"
    }
}

/// The button that continues an answer cut at the token limit with a raised limit, for that
/// answer alone: "Continue with a 600-token limit", "… an 800-token limit".
pub fn continue_with_limit(tokens: u32) -> String {
    // The article goes by how the number is said: "an" before eight, eleven, eighteen and
    // eighty-, eight hundred… (of the number's first group of thousands).
    let mut lead = tokens;
    while lead >= 1000 {
        lead /= 1000;
    }
    let eight = lead.to_string().starts_with('8');
    let article = if eight || lead == 11 || lead == 18 { "an" } else { "a" };
    format!("Continue with {article} {tokens}-token limit")
}

/// What a toast says when a new version of an earlier `what` ("answer", "question") leaves
/// the `later` questions asked after it with the old version, now `version` of `of`.
pub fn later_questions_kept(what: &str, later: usize, version: usize, of: usize) -> String {
    let questions =
        if later == 1 { "Your later question stays".to_owned() } else { format!("Your {later} later questions stay") };
    format!(
        "A new version of this {what}. {questions} with version {version} of {of}: use ‹ › on the {what} to go back."
    )
}

/// What a new chat says when it opens with what the user left unsent there (`text`: some
/// text; `images`: how many images): kept, so nothing typed is lost, and said, so nothing
/// is sent unseen (an image left attached went with a later question).
pub fn draft_back(text: bool, images: usize) -> Option<String> {
    let attached = match images {
        0 => String::new(),
        1 => "1 image".to_owned(),
        n => format!("{n} images"),
    };
    match (text, images) {
        (false, 0) => None,
        (true, 0) => Some("Your unsent message is back.".to_owned()),
        (true, _) => {
            Some(format!("Your unsent message is back, with {attached} attached: remove what you do not mean to send."))
        }
        (false, 1) => {
            Some("The image you attached before is still attached: remove it if you do not mean to send it.".to_owned())
        }
        (false, _) => Some(format!(
            "The {attached} you attached before are still attached: remove them if you do not mean to send them."
        )),
    }
}

/// The undo bar's words after `n` conversations were deleted.
pub fn conversations_deleted(n: usize) -> String {
    if n == 1 {
        "Conversation deleted. ".to_owned()
    } else {
        format!("{n} conversations deleted. ")
    }
}

/// What the dialog asks before every conversation is deleted.
pub fn delete_all_conversations(n: usize) -> String {
    let what = if n == 1 { "your conversation".to_owned() } else { format!("all {n} conversations") };
    format!("This deletes {what} from this browser. You can undo it for 10 seconds; export them first to keep a copy.")
}

/// What the toast says after images were deleted from the gallery (with an Undo).
pub fn images_deleted(n: usize) -> String {
    if n == 1 {
        "Image deleted.".to_owned()
    } else {
        format!("{n} images deleted.")
    }
}

/// Why a send waits: a value typed under Options was refused (`why` says which and why).
pub fn option_blocks_send(why: &str) -> String {
    // "Empty the field" and no more: an empty field means the default for most options, but
    // no limit for the spending limit. `why` is one sentence per refused field.
    let several = why.matches(". ").count() > 0;
    let (it, field) = if several { ("them", "fields") } else { ("it", "field") };
    format!("Not sent: {} Correct {it} under Options, or empty the {field}.", sentence(why))
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_refused_option_says_what_to_do() {
        assert_eq!(
            super::option_blocks_send("Temperature must be between 0 and 2 (you entered 3)."),
            "Not sent: Temperature must be between 0 and 2 (you entered 3). Correct it under Options, or empty the \
             field."
        );
        assert_eq!(
            super::option_blocks_send(
                "Temperature must be between 0 and 2 (you entered 5). Max completion tokens must be at least 1 (you \
                 entered -3)."
            ),
            "Not sent: Temperature must be between 0 and 2 (you entered 5). Max completion tokens must be at least 1 \
             (you entered -3). Correct them under Options, or empty the fields."
        );
    }

    #[test]
    fn the_undo_bar_counts_what_it_brings_back() {
        assert_eq!(super::conversations_deleted(1), "Conversation deleted. ");
        assert_eq!(super::conversations_deleted(3), "3 conversations deleted. ");
        assert_eq!(
            super::delete_all_conversations(3),
            "This deletes all 3 conversations from this browser. You can undo it for 10 seconds; export them first \
             to keep a copy."
        );
        assert_eq!(
            super::later_questions_kept("answer", 1, 1, 2),
            "A new version of this answer. Your later question stays with version 1 of 2: use ‹ › on the answer to go back."
        );
        assert_eq!(
            super::later_questions_kept("question", 3, 2, 3),
            "A new version of this question. Your 3 later questions stay with version 2 of 3: use ‹ › on the question to go back."
        );
        assert_eq!(super::images_deleted(1), "Image deleted.");
        assert_eq!(super::images_deleted(2), "2 images deleted.");
    }

    #[test]
    fn failures_say_each_thing_once() {
        let credit = turn_error_words(
            "insufficient_credit",
            "insufficient credit (http 402): insufficient credit: this request may cost up to $0.0012 and the key has $0.0000 available",
        );
        assert_eq!(credit, "Not enough credit: this request may cost up to $0.0012 and the key has $0.0000 available. Top up your credit, then retry.");
        // While the client waits to retry (user review: a 429 showed an empty answer).
        assert_eq!(
            super::retrying_words("rate_limited", "rate limited (http 429)", std::time::Duration::from_millis(4_200)),
            "The service is busy (HTTP 429). Trying again in 5 s…"
        );
        assert_eq!(
            super::retrying_words(
                "server",
                "server error (http 503): overloaded",
                std::time::Duration::from_millis(300)
            ),
            "The server failed: overloaded. Trying again in 1 s…"
        );
        assert_eq!(
            super::retrying_words("rate_limited", "rate limited (http 429)", std::time::Duration::ZERO),
            "The service is busy (HTTP 429). Trying again…"
        );
        // An error inside a streamed answer is said once (user review: "The server failed:
        // the server reported an error: …").
        assert_eq!(
            turn_error_words("server", "the server reported an error: sandbox: injected error in stream"),
            "The server failed: sandbox: injected error in stream."
        );
        // A failed answer's wait counts down, then is not said at all.
        assert_eq!(super::retry_in(10_000, 7_000), " Retry in 3 s.");
        assert_eq!(super::retry_in(10_000, 9_001), " Retry in 1 s.");
        assert_eq!(super::retry_in(10_000, 10_000), "");
        assert_eq!(super::retry_in(10_000, 70_000), "");
        // In the chat, what else lowers the hold (user review: the advice left it out).
        assert_eq!(
            super::answer_error_words("insufficient_credit", "insufficient credit (http 402)"),
            "Not enough credit (HTTP 402). Top up your credit, or lower Max completion tokens in the chat's options, then retry."
        );
        assert_eq!(turn_error_words("rate_limited", "rate limited (http 429)"), "The service is busy (HTTP 429).");
        assert_eq!(
            turn_error_words("authentication", "the API key was refused (http 401): invalid key"),
            "The API key was refused: invalid key. Check your API key in Settings."
        );
        assert_eq!(
            turn_error_words(
                "network",
                "could not reach http://127.0.0.1:9: the connection failed, or the browser blocked the request (CORS) (Failed to fetch)"
            ),
            "Could not reach http://127.0.0.1:9. Check your connection, and the API base URL in Settings."
        );
        assert_eq!(
            turn_error_words("network", "the connection was lost before the answer was complete"),
            "The connection was lost before the answer was complete. Check your connection, then retry."
        );
        // A chat request too large says how to get out of it (user review: every retry failed
        // alike); an image job's words say nothing of a conversation.
        assert_eq!(
            super::answer_error_words("invalid_request", "the request was rejected (http 413): request body too large"),
            "The request was refused: request body too large. Every message sends the images earlier in this conversation again: edit the message with the largest image to remove it, or start a new chat."
        );
        assert_eq!(
            turn_error_words("invalid_request", "the request was rejected (http 413): request body too large"),
            "The request was refused: request body too large."
        );
        // Nothing was sent (the app's own code could not be downloaded): the endpoint is fine.
        assert_eq!(
            turn_error_words("network", super::UNFETCHED),
            "The app's sending code could not be downloaded. Check your connection, then retry."
        );
        assert_eq!(
            turn_error_words("server", "server error (http 500): The server failed."),
            "The server failed (HTTP 500)."
        );
        assert_eq!(turn_error_words("server", "server error (http 503)"), "The server failed (HTTP 503).");
        // A garbled stream: no parser words, no raw chunk (user review: raw JSON overflowed).
        assert_eq!(
            turn_error_words(
                "protocol",
                r#"malformed stream chunk: EOF while parsing a string at line 1 column 167; body: {"id":"chatcmpl-1","object":"chat.completion.chunk""#
            ),
            "The server's answer could not be read: a piece of it arrived garbled."
        );
        assert_eq!(
            turn_error_words("protocol", "the stream ended before the answer was complete"),
            "The server's answer could not be read: the stream ended before the answer was complete."
        );
        assert_eq!(turn_error_words("protocol", "a line over 4194304 bytes"), "The server's answer could not be read.");
    }

    use super::*;

    #[test]
    fn a_draft_back_in_a_new_chat_says_what_it_holds() {
        assert_eq!(draft_back(false, 0), None);
        assert_eq!(draft_back(true, 0).as_deref(), Some("Your unsent message is back."));
        assert_eq!(
            draft_back(true, 2).as_deref(),
            Some("Your unsent message is back, with 2 images attached: remove what you do not mean to send.")
        );
        assert!(draft_back(false, 1).is_some_and(|w| w.starts_with("The image you attached before is still")));
        assert!(draft_back(false, 3).is_some_and(|w| w.starts_with("The 3 images you attached before are still")));
    }

    #[test]
    fn fields_are_named_as_on_screen() {
        assert_eq!(
            field_message("cfgScale", "cfgScale: must be between 1 and 7 (got 9)"),
            "CFG scale must be between 1 and 7 (you entered 9)."
        );
        assert_eq!(
            field_message("cfgScale", "cfgScale must be between 1 and 7, got 9"),
            "CFG scale must be between 1 and 7, got 9."
        );
        assert_eq!(
            field_message("max_completion_tokens", "max_completion_tokens: must be at least 1 (got 0)"),
            "Max completion tokens must be at least 1 (you entered 0)."
        );
        assert_eq!(
            field_message("messages[1].content", "messages[1].content: must not be an empty list of parts"),
            "Message must not be an empty list of parts."
        );
        assert_eq!(
            field_message("baseUrl", "baseUrl: must start with http:// or https://"),
            "API base URL must start with http:// or https://."
        );
        assert_eq!(
            field_message("count", "must be between 1 and 50 (got 51)"),
            "Images must be between 1 and 50 (you entered 51)."
        );
    }

    #[test]
    fn messages_are_sentences() {
        assert_eq!(sentence("no model available"), "No model available.");
        assert_eq!(sentence(" Done. "), "Done.");
        assert_eq!(sentence("why?"), "Why?");
        assert_eq!(sentence(""), "");
        assert_eq!(sentence("édition"), "Édition.");
    }

    #[test]
    fn the_article_before_a_token_limit_goes_by_how_it_is_said() {
        let article = |n| continue_with_limit(n).split(' ').nth(2).map(str::to_owned).expect("article");
        for n in [8, 11, 18, 80, 86, 800, 8_192, 11_000, 18_500, 80_000] {
            assert_eq!(article(n), "an", "{n}");
        }
        for n in [1, 48, 100, 600, 1_600, 1_800, 12_000, 108] {
            assert_eq!(article(n), "a", "{n}");
        }
        assert_eq!(continue_with_limit(80), "Continue with an 80-token limit");
    }

    #[test]
    fn an_answer_waiting_for_its_first_words_says_so() {
        assert_eq!(super::waiting_for_answer("gpt-4o-mini"), "Waiting for the answer…");
        assert_eq!(super::waiting_for_answer("gpt-5"), "Thinking before it answers…");
        assert_eq!(super::waiting_for_answer("not-a-model"), "Waiting for the answer…");
    }
}
