//! What answers cost and whether a request fits the budgets: pure arithmetic, shared by
//! the answer view, the conversation total, the daily budget and the send check.

use serde::{Deserialize, Serialize};

use super::Conversation;
use crate::catalog::{chat_model, nano_to_usd};
use crate::money::{self, Round};
use crate::types::chat::{ChatRequest, Usage};

/// A cost that outlives its message (a deleted turn).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Charge {
    /// When the answer was created, Unix milliseconds (for the daily budget).
    pub created_ms: u64,
    /// What it cost, in USD.
    pub cost_usd: f64,
    /// Its tokens (prompt and completion), so the conversation's token total keeps them
    /// like its cost does. Absent in records saved before it was kept.
    #[serde(default)]
    pub tokens: u64,
    /// Whether the cost is an estimate (a stopped or interrupted answer).
    #[serde(default)]
    pub estimated: bool,
    /// Whether it came from an imported file (not this device's spending).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub imported: bool,
    /// The answer charged (its identity across tabs), so the spending ledger
    /// (`minitoolai::ledger`) counts it once whether the answer is kept or its turn deleted.
    /// Absent in records saved before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<super::tabs::NodeKey>,
}

/// How long a deletion is remembered: longer than any tab stays asleep with a save to tell.
const KEEP_DELETED_MS: u64 = 2 * 24 * 60 * 60 * 1000;

/// The conversations deleted in the last two days, here or in another tab: a save of one
/// heard later is stale (sent before that tab heard of the deletion) and brings nothing back.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Deleted {
    /// Each conversation's id and when it was deleted (Unix milliseconds).
    #[serde(default)]
    pub ids: Vec<(String, u64)>,
    /// What deleted conversations were charged, as kept before the spending ledger
    /// (`minitoolai::ledger`), which reads them in when the app loads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub charges: Vec<(String, Charge)>,
}

impl Deleted {
    /// Remembers that conversation `id` was deleted at `now_ms`; forgets deletions older than
    /// two days.
    pub fn add(&mut self, id: &str, now_ms: u64) {
        let kept = |t: u64| t.saturating_add(KEEP_DELETED_MS) >= now_ms;
        self.ids.retain(|(i, t)| i != id && kept(*t));
        self.charges.retain(|(_, c)| kept(c.created_ms));
        self.ids.push((id.to_owned(), now_ms));
    }

    /// Forgets that conversation `id` was deleted (it was brought back on purpose); returns
    /// whether it was there.
    pub fn remove(&mut self, id: &str) -> bool {
        let was = self.contains(id);
        self.ids.retain(|(i, _)| i != id);
        self.charges.retain(|(i, _)| i != id);
        was
    }

    /// Whether conversation `id` was deleted.
    pub fn contains(&self, id: &str) -> bool {
        self.ids.iter().any(|(i, _)| i == id) || self.charges.iter().any(|(i, _)| i == id)
    }
}

/// The cost of `usage` at `model`'s prices; `None` for a model not in the price table.
pub fn usage_cost_usd(model: &str, usage: &Usage) -> Option<f64> {
    chat_model(model).map(|m| m.cost_usd(usage))
}

/// The usage of an answer that was billed but never reported: the request's (conservative)
/// prompt estimate, and one completion token per content delta received (the service
/// streams about one token per delta).
pub fn estimated_usage(request: &ChatRequest, streamed_tokens: u64) -> Usage {
    let prompt = request.estimate_prompt_tokens();
    Usage {
        prompt_tokens: prompt,
        completion_tokens: streamed_tokens,
        total_tokens: prompt + streamed_tokens,
        ..Usage::default()
    }
}

/// Why a request should be confirmed before it is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetWarning {
    /// The question's title: whether this may go over a budget, or one is already over.
    pub title: String,
    /// In words, with the amounts.
    pub message: String,
}

/// Checks a request whose worst case costs `worst_usd` against the conversation's budget
/// (what it has spent so far) and the daily budget (`spent_today` across conversations).
pub fn budget_warning(
    conversation: &Conversation,
    spent_today: f64,
    daily_budget: Option<f64>,
    worst_usd: f64,
) -> Option<BudgetWarning> {
    if let Some(budget) = conversation.settings.budget_usd {
        let spent = conversation.total_cost_usd();
        if spent + worst_usd > budget {
            let over = spent >= budget;
            let [spent, budget, worst] =
                money::alike_as([(spent, Round::Nearest), (budget, Round::Nearest), (worst_usd, Round::Up)]);
            // Already over, it says so (user review: "may go over" at 3.4 times the budget).
            return Some(if over {
                BudgetWarning {
                    title: "This conversation is already over its budget".into(),
                    message: format!(
                        "This conversation has spent {spent}, more than its {budget} budget, and this request may cost up to {worst} more."
                    ),
                }
            } else {
                BudgetWarning {
                    title: "This message may go over the conversation's budget".into(),
                    message: format!(
                        "This conversation has spent {spent} of its {budget} budget, and this request may cost up to {worst}."
                    ),
                }
            });
        }
    }
    daily_budget.and_then(|daily| {
        over_daily_budget(spent_today, daily, (worst_usd, Round::Up), "this request may cost up to", "This message")
    })
}

/// Whether spending `cost_usd` more today goes over the daily budget (`daily`), with
/// `spent_today` spent across chat and images: then what to ask, `cost_words` naming the
/// cost ("this request may cost up to", "these images cost"), rounded as `cost` says (up
/// for a bound), and `what` naming what is asked for ("This message", "These images").
pub fn over_daily_budget(
    spent_today: f64,
    daily: f64,
    cost: (f64, Round),
    cost_words: &str,
    what: &str,
) -> Option<BudgetWarning> {
    let (cost_usd, round) = cost;
    if spent_today + cost_usd <= daily {
        return None;
    }
    let over = spent_today >= daily;
    let [spent, daily, cost] =
        money::alike_as([(spent_today, Round::Nearest), (daily, Round::Nearest), (cost_usd, round)]);
    Some(if over {
        BudgetWarning {
            title: "Today's spending is already over your daily budget".into(),
            message: format!(
                "Today's spending in this browser (chat and images) is {spent}, more than the {daily} daily budget, and {cost_words} {cost} more."
            ),
        }
    } else {
        BudgetWarning {
            title: format!("{what} may go over your daily budget"),
            message: format!(
                "Today's spending in this browser (chat and images) is {spent} of the {daily} daily budget, and {cost_words} {cost}."
            ),
        }
    })
}

/// What the message box warns of when the credit known (`credit_usd`, the sandbox key's
/// balance or the relay token's budget, named by `whose`: "Your credit") is less than the most
/// the message can cost (`worst_usd`): the service holds that much before it answers, and
/// refuses (charging nothing) what the credit does not cover. A warning, not a block: the
/// credit shown may be older than a top-up.
pub fn credit_warning(whose: &str, credit_usd: f64, worst_usd: f64) -> Option<String> {
    if !(credit_usd.is_finite() && worst_usd.is_finite()) || credit_usd >= worst_usd {
        return None;
    }
    let [credit, worst] = money::alike_as([(credit_usd.max(0.0), Round::Down), (worst_usd, Round::Up)]);
    Some(format!(
        "{whose} ({credit}) is less than this message can cost (at most {worst}), so the service may refuse it. \
         Add credit, or lower Max completion tokens in the chat's options."
    ))
}

/// The worst case of `request` in USD, when its model is priced.
pub fn worst_case_usd(request: &ChatRequest) -> Option<f64> {
    request.worst_case_cost_nano_usd().map(nano_to_usd)
}

/// What the message box says before sending: about how many tokens the request sends (the
/// whole conversation shown, as every request does) and at most what it can cost (those
/// tokens and the answer's token cap at the model's prices).
pub fn preview_line(request: &ChatRequest) -> String {
    let tokens = request.estimate_prompt_tokens();
    match worst_case_usd(request) {
        Some(usd) => format!("≈ {} tokens in · at most {}", group_digits(tokens), money::at_most(usd)),
        None => format!("≈ {} tokens in", group_digits(tokens)),
    }
}

/// `12345` as "12,345".
fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The line under an answer: tokens and cost, "≈" when estimated, and why.
pub fn usage_line(n: &super::Node) -> Option<String> {
    let u = n.usage.as_ref()?;
    let approx = if n.cost_estimated { "≈ " } else { "" };
    let reasoning = u.reasoning_tokens();
    let mut s = format!("{approx}{} prompt + {} completion tokens", u.prompt_tokens, u.completion_tokens);
    if reasoning > 0 {
        s.push_str(&format!(" ({reasoning} reasoning)"));
    }
    if let Some(cost) = n.cost_usd {
        s.push_str(&format!(" · {approx}{}", money::exact(cost)));
    }
    if n.cost_estimated {
        // An answer continued to its end was estimated only for the part that ended early.
        s.push_str(if n.status == Some(super::AnswerStatus::Done) {
            " (estimated: part of this answer ended before the service reported its usage)"
        } else {
            " (estimated: the answer ended before the service reported its usage)"
        });
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_daily_budget_counts_what_was_spent_and_what_comes() {
        assert_eq!(
            super::over_daily_budget(0.0005, 0.001, (0.0005, Round::Nearest), "these images cost", "These images"),
            None,
            "exactly the budget"
        );
        let w = super::over_daily_budget(0.0004, 0.001, (0.0045, Round::Nearest), "these images cost", "These images")
            .expect("over");
        assert_eq!(
            w.message,
            "Today's spending in this browser (chat and images) is $0.0004 of the $0.0010 daily budget, and these images cost $0.0045."
        );
    }

    #[test]
    fn a_credit_short_of_the_worst_case_is_warned_of_with_both_amounts() {
        assert_eq!(super::credit_warning("Your credit", 0.01, 0.0031), None);
        assert_eq!(super::credit_warning("Your credit", 0.0031, 0.0031), None, "exactly enough");
        let w = super::credit_warning("Your credit", 0.0002, 0.0031).expect("short");
        assert!(w.starts_with("Your credit ($0.0002) is less than this message can cost (at most $0.0031)"), "{w}");
        assert!(w.contains("Max completion tokens"), "names the field as shown: {w}");
        // A negative budget left reads as none left.
        let w = super::credit_warning("Your token's budget", -0.5, 0.001).expect("short");
        assert!(w.starts_with("Your token's budget ($0.000)"), "{w}");
        assert_eq!(super::credit_warning("Your credit", f64::NAN, 0.001), None);
    }

    #[test]
    fn the_preview_counts_the_whole_conversation_and_the_answer_cap() {
        use crate::conversation::{ChatSettings, Conversation};
        let mut c = Conversation::new("c", 1, ChatSettings::default());
        let short = c.preview_request("Hi", &[]);
        assert_eq!(short.messages.len(), 1);
        let u = c.push_user(&"earlier words ".repeat(300), vec![], 2);
        let a = c.start_answer(u, 2);
        c.node_mut(a).expect("answer").content = "an answer".into();
        let next = c.preview_request("Hi", &[]);
        assert_eq!(next.messages.len(), 3, "the history is sent again");
        assert!(next.estimate_prompt_tokens() > 1000);
        // gpt-4o-mini: the tokens in, plus the service's default cap of 1000 tokens out.
        let line = super::preview_line(&next);
        assert!(line.starts_with("≈ 1,"), "{line}");
        assert!(line.contains(" tokens in · at most $0.000"), "{line}");
        assert_eq!(super::group_digits(999), "999");
        assert_eq!(super::group_digits(1_234_567), "1,234,567");
        let mut unknown = next.clone();
        unknown.model = "a-model-not-in-the-price-list".into();
        assert!(!super::preview_line(&unknown).contains("at most"));
    }

    use super::*;

    use crate::conversation::{AnswerEnd, AnswerStatus, ChatSettings};
    use crate::types::chat::Message;

    fn conv() -> Conversation {
        Conversation::new("c", 0, ChatSettings::default())
    }

    #[test]
    fn estimates_are_conservative_on_the_prompt_and_count_deltas() {
        let req = ChatRequest::new("gpt-4o-mini", vec![Message::user("123456")]);
        let usage = estimated_usage(&req, 7);
        assert_eq!(usage.prompt_tokens, req.estimate_prompt_tokens());
        assert_eq!((usage.completion_tokens, usage.total_tokens), (7, usage.prompt_tokens + 7));
        // gpt-4o-mini: 150 / 600 nano-USD per token.
        let cost = usage_cost_usd("gpt-4o-mini", &usage).expect("priced");
        assert!((cost - (usage.prompt_tokens * 150 + 7 * 600) as f64 / 1e9).abs() < 1e-15);
        assert_eq!(usage_cost_usd("not-a-model", &usage), None);
    }

    #[test]
    fn a_deletion_is_remembered_for_two_days_with_or_without_charges() {
        let day = 24 * 60 * 60 * 1000;
        let mut d = Deleted::default();
        // Nothing was charged (its answer failed): it is remembered all the same.
        d.add("failed", day);
        d.add("answered", day + 10);
        assert!(d.contains("failed") && d.contains("answered"));
        assert!(d.remove("answered"));
        assert!(!d.contains("answered"), "brought back");
        assert!(!d.remove("answered"));
        d.add("later", 3 * day + 1);
        assert!(!d.contains("failed"), "two days on, forgotten");
        assert!(d.contains("later"));
        // A record from before the ledger: its charges name the conversations deleted.
        let old: Deleted =
            serde_json::from_str(r#"{"charges":[["c",{"created_ms":5,"cost_usd":0.25}]]}"#).expect("old record");
        assert!(old.contains("c"));
        assert_eq!(old.charges[0].1.cost_usd, 0.25);
    }

    /// Regression (issue 11, item 4): stopped, interrupted and dropped answers were billed
    /// by the service but counted nowhere.
    #[test]
    fn every_billed_answer_counts_in_totals_and_the_day() {
        let mut c = conv();
        let u = c.push_user("hello", vec![], 100);
        let a = c.start_answer(u, 100);
        let req = c.request_for(a).expect("request");
        // Stopped after 10 deltas: estimated.
        let end = AnswerEnd {
            text: "partial".into(),
            status: AnswerStatus::Stopped,
            streamed_tokens: Some(10),
            ..AnswerEnd::default()
        };
        c.finish_answer(a, end, Some(&req));
        let n = c.node(a).expect("answer");
        assert!(n.cost_estimated);
        assert_eq!(n.usage.as_ref().map(|u| u.completion_tokens), Some(10));
        let stopped = n.cost_usd.expect("counted");
        assert!(stopped > 0.0);
        // Failed before the service accepted it: nothing billed.
        let b = c.start_answer(u, 200);
        c.finish_answer(b, AnswerEnd { status: AnswerStatus::Failed, ..AnswerEnd::default() }, Some(&req));
        assert_eq!(c.node(b).and_then(|n| n.cost_usd), None);
        // Interrupted by a reload after 4 saved deltas: estimated at load.
        let d = c.start_answer(u, 300);
        c.node_mut(d).expect("d").streamed_tokens = Some(4);
        assert!(c.mark_interrupted());
        let interrupted = c.node(d).and_then(|n| n.cost_usd).expect("counted");
        assert_eq!(c.node(d).and_then(|n| n.status), Some(AnswerStatus::Interrupted));
        assert!((c.total_cost_usd() - (stopped + interrupted)).abs() < 1e-15);
        assert!(c.total_is_estimated());
        assert!((c.cost_since(250) - interrupted).abs() < 1e-15);
        // A deleted turn's cost stays.
        let before = c.total_cost_usd();
        assert!(c.delete_turn(u));
        assert!(c.nodes.is_empty());
        assert!((c.total_cost_usd() - before).abs() < 1e-15);
        assert!((c.cost_since(0) - before).abs() < 1e-15);
    }

    #[test]
    fn continuations_add_up() {
        let mut c = conv();
        let u = c.push_user("long please", vec![], 1);
        let a = c.start_answer(u, 1);
        let usage = Usage { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, ..Usage::default() };
        let end = AnswerEnd {
            text: "first half".into(),
            finish_reason: Some("length".into()),
            usage: Some(usage.clone()),
            streamed_tokens: Some(5),
            ..AnswerEnd::default()
        };
        c.finish_answer(a, end, None);
        assert!(c.node(a).expect("a").cut_at_limit());
        let req = c.continuation_request(a, false).expect("continuation");
        let texts: Vec<String> = req.messages.iter().map(|m| m.content.text()).collect();
        assert_eq!(texts[texts.len() - 2], "first half");
        assert_eq!(texts[texts.len() - 1], crate::conversation::CONTINUE_PROMPT);
        assert_eq!(c.continue_answer(a).as_deref(), Some("first half"));
        let end = AnswerEnd {
            text: "first half, second half".into(),
            finish_reason: Some("stop".into()),
            usage: Some(usage),
            ..AnswerEnd::default()
        };
        c.finish_answer(a, end, Some(&req));
        let n = c.node(a).expect("a");
        assert_eq!(n.usage.as_ref().map(|u| u.total_tokens), Some(30));
        assert!(!n.cut_at_limit() && !n.cost_estimated);
        assert_eq!(n.content, "first half, second half");
        // What the continuation sent besides the conversation is said, in the export too.
        assert_eq!(n.continued, 1);
        let md = c.to_markdown();
        assert!(
            md.contains(&format!(
                "*Continued once: the answer so far was sent back with “{}”*",
                crate::conversation::CONTINUE_PROMPT
            )),
            "{md}"
        );
    }

    #[test]
    fn a_raised_continuation_raises_this_answer_alone() {
        let mut c = conv();
        c.settings.max_completion_tokens = Some(300);
        let u = c.push_user("long please", vec![], 1);
        let a = c.start_answer(u, 1);
        let cut = |text: &str| AnswerEnd {
            text: text.into(),
            finish_reason: Some("length".into()),
            usage: Some(Usage { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, ..Usage::default() }),
            ..AnswerEnd::default()
        };
        let first = c.request_for(a).expect("request");
        c.finish_answer(a, cut("part one"), Some(&first));
        assert_eq!(c.completion_cap(a), 300);
        // Raised: 600 for this continuation; the chat's limit (every later message's worst
        // case) stays 300 (user review: the raise changed the setting for good).
        let raised = c.continuation_request(a, true).expect("continuation");
        assert_eq!(raised.max_completion_tokens, Some(600));
        c.continue_answer(a);
        c.finish_answer(a, cut("part one, part two"), Some(&raised));
        assert_eq!(c.settings.max_completion_tokens, Some(300));
        assert_eq!(c.completion_cap(a), 600, "cut off at 600: the note says so");
        // Continued plainly: at the limit it was cut off at; raised again: twice that.
        assert_eq!(c.continuation_request(a, false).expect("again").max_completion_tokens, Some(600));
        assert_eq!(c.continuation_request(a, true).expect("again").max_completion_tokens, Some(1200));
        // A new message goes out at the chat's own limit.
        let u2 = c.push_user("next", vec![], 2);
        let b = c.start_answer(u2, 2);
        assert_eq!(c.request_for(b).expect("request").max_completion_tokens, Some(300));
        assert_eq!(c.completion_cap(b), 300);
    }

    #[test]
    fn budgets_warn_with_amounts() {
        let mut c = conv();
        assert_eq!(budget_warning(&c, 0.0, None, 1.0), None);
        c.settings.budget_usd = Some(0.5);
        let w = budget_warning(&c, 0.0, None, 1.0).expect("over the conversation budget");
        assert!(w.message.contains("$0.50 budget") && w.message.contains("$1.00."), "{}", w.message);
        assert_eq!(w.title, "This message may go over the conversation's budget");
        c.settings.budget_usd = None;
        assert_eq!(budget_warning(&c, 0.2, Some(0.5), 0.2), None);
        let w = budget_warning(&c, 0.4, Some(0.5), 0.2).expect("over the daily budget");
        assert!(
            w.message
                .starts_with("Today's spending in this browser (chat and images) is $0.40 of the $0.50 daily budget"),
            "{}",
            w.message
        );
        assert_eq!(w.title, "This message may go over your daily budget");
    }

    #[test]
    fn a_budget_already_spent_is_said_to_be_over() {
        let mut c = conv();
        let u = c.push_user("q", vec![], 1);
        let a = c.start_answer(u, 1);
        let usage = Usage { prompt_tokens: 1000, completion_tokens: 1000, total_tokens: 2000, ..Usage::default() };
        c.finish_answer(a, AnswerEnd { text: "a".into(), usage: Some(usage), ..AnswerEnd::default() }, None);
        let spent = c.total_cost_usd();
        c.settings.budget_usd = Some(spent / 2.0);
        let w = budget_warning(&c, 0.0, None, 0.0001).expect("over");
        assert_eq!(w.title, "This conversation is already over its budget");
        assert!(w.message.contains(", more than its ") && w.message.ends_with(" more."), "{}", w.message);
        let w = over_daily_budget(0.0035, 0.002, (0.0075, Round::Nearest), "these images cost", "These images")
            .expect("over");
        assert_eq!(w.title, "Today's spending is already over your daily budget");
        assert_eq!(
            w.message,
            "Today's spending in this browser (chat and images) is $0.0035, more than the $0.0020 daily budget, and these images cost $0.0075 more."
        );
        let w = over_daily_budget(0.001, 0.002, (0.0075, Round::Nearest), "these images cost", "These images")
            .expect("would go over");
        assert_eq!(w.title, "These images may go over your daily budget");
    }

    #[test]
    fn the_usage_line_says_what_was_estimated() {
        use crate::types::chat::Usage;
        let mut c = conv();
        let user = c.push_user("Hi", Vec::new(), 0);
        let answer = c.start_answer(user, 0);
        let n = c.node_mut(answer).expect("answer");
        n.add_charge(
            &Usage { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, ..Usage::default() },
            Some(0.000004),
            true,
        );
        n.status = Some(super::super::AnswerStatus::Stopped);
        assert_eq!(
            usage_line(n).as_deref(),
            Some("≈ 10 prompt + 5 completion tokens · ≈ $0.000004 (estimated: the answer ended before the service reported its usage)")
        );
        // The Markdown export says it as the answer does (user review: an estimate was
        // exported as an exact "cost: $…", without "Stopped" and without a total).
        let md = c.to_markdown();
        for said in [
            "\n*Stopped.*\n",
            "\n*≈ 10 prompt + 5 completion tokens · ≈ $0.000004 (estimated: the answer ended before the service reported its usage)*\n",
            "\n*Spent in this conversation: 15 tokens · ≈ $0.000004, all versions included (part of it estimated).*\n",
        ] {
            assert!(md.contains(said), "{said} in {md}");
        }
        assert!(!md.contains("cost:"), "{md}");
        let n = c.node_mut(answer).expect("answer");
        // Continued to its end: only the part that ended early was estimated.
        n.add_charge(
            &Usage { prompt_tokens: 20, completion_tokens: 7, total_tokens: 27, ..Usage::default() },
            Some(0.000006),
            false,
        );
        n.status = Some(super::super::AnswerStatus::Done);
        assert_eq!(
            usage_line(n).as_deref(),
            Some("≈ 30 prompt + 12 completion tokens · ≈ $0.00001 (estimated: part of this answer ended before the service reported its usage)")
        );
        n.cost_estimated = false;
        assert_eq!(usage_line(n).as_deref(), Some("30 prompt + 12 completion tokens · $0.00001"));
    }
}
