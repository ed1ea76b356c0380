//! The sandbox's "model": deterministic markdown replies that exercise a renderer.
//!
//! The same model and messages always give the same text; other prompts give other text.
//! Every reply has headings, a list, a fenced code block with a language, a table, links,
//! a long paragraph, non-ASCII text and emoji, in an order and wording chosen by a hash of
//! the request. If the last user message has images, the reply begins "I see N image(s)".

use minitoolai::types::chat::{Message, Role};

use crate::rng::Rng;

/// A reply to `messages` as `model` would give it in the sandbox.
pub fn reply(model: &str, messages: &[Message]) -> String {
    let conversation = serde_json::to_vec(messages).unwrap_or_default();
    let mut rng = Rng::from_parts(&[model.as_bytes(), &conversation]);
    let last_user = messages.iter().rev().find(|m| m.role == Role::User);
    let (prompt, images) = last_user.map_or((String::new(), 0), |m| (m.content.text(), m.content.image_count()));
    let topic = topic(&prompt);
    let ident = identifier(&topic);

    let mut out = String::new();
    if images > 0 {
        let plural = if images == 1 { "image" } else { "images" };
        out += &format!(
            "I see {images} {plural} in your message. The sandbox cannot really look at pictures, so here is an \
             invented description: {}.\n\n",
            rng.pick(IMAGE_DESCRIPTIONS)
        );
    }
    out += &rng.pick(HEADINGS).replace("{Topic}", &capitalised(&topic)).replace("{topic}", &topic);
    out += "\n\n";
    out += &paragraph(&mut rng, &topic);
    out += "\n\n";

    let mut sections: Vec<fn(&mut Rng, &str, &str) -> String> = vec![list, code, table, links, international];
    rng.shuffle(&mut sections);
    for section in sections {
        out += &section(&mut rng, &topic, &ident);
        out += "\n\n";
    }
    out += *rng.pick(CLOSINGS);
    out += "\n\n_Written by the MiniToolAI sandbox: no model was called and no real credit was spent._";
    out
}

/// A few salient words of the prompt, safe to put in markdown.
fn topic(prompt: &str) -> String {
    let words: Vec<&str> = prompt
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| w.chars().count() >= 3 || !w.is_ascii())
        .filter(|w| !STOP_WORDS.contains(&w.to_lowercase().as_str()))
        .take(5)
        .collect();
    let topic: String = words.join(" ").chars().take(60).collect();
    if topic.trim_matches('-').is_empty() {
        "your question".to_owned()
    } else {
        topic
    }
}

/// The topic as an ASCII snake_case identifier, for code.
fn identifier(topic: &str) -> String {
    let ascii: String = topic
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
        .collect::<String>()
        .split('_')
        .filter(|s| !s.is_empty())
        .take(3)
        .collect::<Vec<_>>()
        .join("_");
    match ascii.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => ascii,
        Some(_) => format!("item_{ascii}"),
        None => "topic".to_owned(),
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

fn paragraph(rng: &mut Rng, topic: &str) -> String {
    let mut sentences: Vec<&str> = SENTENCES.to_vec();
    rng.shuffle(&mut sentences);
    let n = rng.range(5, 8);
    sentences[..n].iter().map(|s| s.replace("{topic}", topic)).collect::<Vec<_>>().join(" ")
}

fn list(rng: &mut Rng, topic: &str, _: &str) -> String {
    let mut items: Vec<&str> = LIST_ITEMS.to_vec();
    rng.shuffle(&mut items);
    let n = rng.range(3, 5);
    let numbered = rng.below(2) == 0;
    let mut out = format!("### {}\n\n", rng.pick(&["Key points", "Steps", "What to check", "In short"]));
    for (i, item) in items[..n].iter().enumerate() {
        let item = item.replace("{topic}", topic);
        if numbered {
            out += &format!("{}. {item}\n", i + 1);
        } else {
            out += &format!("- {item}\n");
        }
        if i == 1 {
            out += &format!(
                "   - a nested point: *{}*\n",
                rng.pick(&["keep it simple", "measure first", "naïve is fine"])
            );
        }
    }
    out.trim_end().to_owned()
}

fn code(rng: &mut Rng, _: &str, ident: &str) -> String {
    let (lang, body) = rng.pick(SNIPPETS);
    format!("### Example in {lang}\n\n```{lang}\n{}\n```", body.replace("{ident}", ident))
}

fn table(rng: &mut Rng, _: &str, _: &str) -> String {
    let mut rows: Vec<&[&str; 3]> = TABLE_ROWS.iter().collect();
    rng.shuffle(&mut rows);
    let mut out = "### Comparison\n\n| Option | Cost | Notes |\n|---|---:|---|\n".to_owned();
    for row in &rows[..rng.range(3, 4)] {
        out += &format!("| {} | {} | {} |\n", row[0], row[1], row[2]);
    }
    out.trim_end().to_owned()
}

fn links(rng: &mut Rng, topic: &str, _: &str) -> String {
    let mut all: Vec<&(&str, &str)> = LINKS.iter().collect();
    rng.shuffle(&mut all);
    let mut out = format!("### Further reading on {topic}\n\n");
    for (title, url) in &all[..3] {
        out += &format!("- [{title}]({url})\n");
    }
    out += "- <https://example.com/sandbox>";
    out
}

fn international(rng: &mut Rng, _: &str, _: &str) -> String {
    format!("> {}\n>\n> {}", rng.pick(INTERNATIONAL), rng.pick(&["✨🚀", "🎉 👍🏽", "☕️ 🌍", "✅ 🧪 📦"]))
}

const STOP_WORDS: &[&str] = &[
    "the", "and", "for", "with", "what", "how", "why", "can", "you", "your", "about", "this", "that", "please", "tell",
    "are", "was", "from", "into", "does", "give", "write", "explain", "who", "when", "where", "which", "some",
];

const HEADINGS: &[&str] = &[
    "## Notes on {topic}",
    "# {Topic}: a short guide",
    "## Thinking through {topic}",
    "## A sandbox answer about {topic}",
    "# Overview — {topic}",
];

const IMAGE_DESCRIPTIONS: &[&str] = &[
    "a lighthouse at dusk with gulls over a calm sea",
    "a desk with a laptop, a notebook and a cup of coffee",
    "a mountain trail in autumn, the trees orange and gold",
    "a cat asleep on a sunny windowsill",
    "a hand-drawn diagram with boxes and arrows",
];

const SENTENCES: &[&str] = &[
    "Here is a structured look at {topic}, written so that every part of a markdown renderer gets some exercise.",
    "The short answer is that {topic} depends on context, and the long answer follows below.",
    "Most people start with the simplest approach, measure it, and only then reach for something more elaborate.",
    "A useful habit is to write down the assumptions first, because they are usually where surprises come from.",
    "When the details of {topic} get tangled, it helps to separate what must be true from what is merely convenient.",
    "None of this requires special tools; a text editor, a terminal and some patience go a long way.",
    "Trade-offs are unavoidable: speed, cost and clarity pull in different directions, and the right balance varies.",
    "It is worth keeping an eye on edge cases such as empty input, very long input and text in other scripts.",
    "Experience suggests that small, reversible steps beat one big leap, especially when others depend on the result.",
    "If something looks wrong, reproduce it with the smallest possible example before changing anything else.",
    "The examples below are illustrations rather than prescriptions, so adapt them to the situation at hand.",
    "Good documentation answers the question a reader actually has, which is rarely the one the author expected.",
];

const LIST_ITEMS: &[&str] = &[
    "**Start small**: get a minimal version of {topic} working end to end.",
    "Keep the `config` in one place and give every option a sensible default.",
    "Write a test for each bug before fixing it.",
    "Prefer *clear names* over clever ones.",
    "Measure before optimising; guesses about performance are often wrong.",
    "Document the _why_, not only the _what_.",
    "Check the limits: empty strings, huge numbers, and Unicode like `naïve` or `日本語`.",
    "Ask for review early, while changes are still cheap.",
];

const SNIPPETS: &[(&str, &str)] = &[
    ("rust", "fn {ident}(items: &[u32]) -> u32 {\n    items.iter().copied().filter(|n| n % 2 == 0).sum()\n}"),
    ("python", "def {ident}(items):\n    \"\"\"Return the even items, doubled.\"\"\"\n    return [n * 2 for n in items if n % 2 == 0]"),
    ("javascript", "export async function {ident}(url) {\n  const res = await fetch(url);\n  if (!res.ok) throw new Error(`HTTP ${res.status}`);\n  return res.json();\n}"),
    ("typescript", "interface Item { id: number; name: string }\n\nexport function {ident}(items: Item[]): string[] {\n  return items.map((i) => i.name.trim()).filter(Boolean);\n}"),
    ("bash", "#!/usr/bin/env bash\nset -euo pipefail\nfor f in *.md; do\n  echo \"checking $f\"\ndone"),
    ("json", "{\n  \"name\": \"{ident}\",\n  \"enabled\": true,\n  \"limits\": { \"max\": 10, \"unit\": \"€\" }\n}"),
    ("sql", "SELECT name, COUNT(*) AS uses\nFROM {ident}\nGROUP BY name\nORDER BY uses DESC\nLIMIT 10;"),
    ("go", "func {ident}(xs []int) (sum int) {\n\tfor _, x := range xs {\n\t\tsum += x\n\t}\n\treturn\n}"),
];

const TABLE_ROWS: &[[&str; 3]] = &[
    ["Simple", "$0.00", "works offline ✅"],
    ["Café edition", "€4.50", "naïve but fast"],
    ["日本語モード", "¥500", "全角文字を含む"],
    ["Größe XL", "CHF 12", "Umlaute: ä ö ü ß"],
    ["Turbo 🚀", "$19.99", "needs `--release`"],
    ["Ελληνικά", "€7", "non-Latin script"],
];

const LINKS: &[(&str, &str)] = &[
    ("MiniToolAI", "https://minitoolai.com/"),
    ("CommonMark spec", "https://spec.commonmark.org/"),
    ("MDN: Server-sent events", "https://developer.mozilla.org/en-US/docs/Web/API/Server-sent_events"),
    ("The Rust Book", "https://doc.rust-lang.org/book/"),
    ("Unicode FAQ", "https://www.unicode.org/faq/"),
];

const INTERNATIONAL: &[&str] = &[
    "Un petit mot en français : café, naïve, déjà vu, l'été à Noël.",
    "日本語のテキストも少し：こんにちは、世界。",
    "Ein Satz auf Deutsch: Größe, Straße, Übermaß.",
    "Un poco de español: ¿qué tal? ¡Mañana será otro día!",
    "Русский текст для проверки: привет, мир.",
];

const CLOSINGS: &[&str] = &[
    "That covers the essentials. Ask again with more detail for a different answer. 🙂",
    "I hope this helps — good luck! 🍀",
    "---\n\nIf anything is unclear, say which part and I will expand on it.",
    "Happy hacking! 🎉",
];

#[cfg(test)]
mod tests {
    use super::*;
    use minitoolai::types::chat::{Content, ContentPart, ImageUrl};

    #[test]
    fn deterministic_varied_and_complete() {
        let a = reply("gpt-4o-mini", &[Message::user("How do I bake bread?")]);
        assert_eq!(a, reply("gpt-4o-mini", &[Message::user("How do I bake bread?")]));
        assert_ne!(a, reply("gpt-4o-mini", &[Message::user("How do I fix a bike?")]));
        assert_ne!(a, reply("gpt-4o", &[Message::user("How do I bake bread?")]));
        for prompt in ["How do I bake bread?", "", "```", "日本語", "a|b|c [x](javascript:alert(1))"] {
            let r = reply("gpt-5", &[Message::developer("be brief"), Message::user(prompt)]);
            assert!(r.contains("\n## ") || r.starts_with('#'), "heading: {r}");
            assert!(r.contains("```") && r.contains("|---|"), "code and table: {r}");
            assert!(r.contains("](https://"), "links: {r}");
            assert!(r.contains("- ") || r.contains("1. "), "list: {r}");
            assert!(!r.is_ascii(), "non-ASCII: {r}");
            assert!(!r.contains("javascript:"), "prompt text is sanitised: {r}");
            assert!(r.split("\n\n").any(|p| p.len() > 300), "a long paragraph: {r}");
        }
    }

    #[test]
    fn images_are_mentioned_first() {
        let msg = Message {
            role: Role::User,
            content: Content::Parts(vec![
                ContentPart::Text { text: "what is this?".into() },
                ContentPart::ImageUrl { image_url: ImageUrl { url: "data:image/png;base64,AA".into(), detail: None } },
            ]),
        };
        assert!(reply("gpt-4o", &[msg]).starts_with("I see 1 image"));
    }

    #[test]
    fn topics_are_safe() {
        assert_eq!(topic("How do I bake bread?"), "bake bread");
        assert_eq!(topic("?!"), "your question");
        assert_eq!(identifier("bake bread"), "bake_bread");
        assert_eq!(identifier("日本語"), "topic");
        assert_eq!(identifier("2024 plans"), "item_2024_plans");
    }
}
