//! The studio form: every documented parameter as the text the user typed, checked as they
//! type, and turned into a batch of identical [`ImageRequest`]s.
//!
//! Fields are strings so that "abc" in steps is an error that names the field and the
//! range as on screen ("Steps must be a whole number between 1 and 8.") instead of a value that cannot
//! be typed. Ranges come from [`ImageRequest::problems`], so the form and the library agree.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::catalog::{image_model, nano_to_usd, DEFAULT_SCHEDULER, IMAGE_MODELS, IMAGE_PRICE_NANO_USD, SCHEDULERS};
use crate::types::image::{ImageRequest, DEFAULT_CFG_SCALE, DEFAULT_SIZE, DEFAULT_STEPS};
use crate::types::{CFG_SCALE_RANGE, SIZE_RANGE, STEPS_RANGE};
use crate::words::field_message;

/// How many images (jobs) one click may start.
pub const COUNT_RANGE: (u32, u32) = (1, 50);
/// How long to wait for one job before saying it timed out, in seconds.
pub const WAIT_RANGE_S: (u32, u32) = (10, 3600);
/// The default wait: the library's [`PollPolicy`](crate::poll::PollPolicy) deadline.
pub const DEFAULT_WAIT_S: u32 = 300;
/// The model the form starts with: a general-purpose one.
pub const DEFAULT_MODEL: &str = "dreamshaper";

/// The form as typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImageForm {
    /// Model id.
    pub model: String,
    /// What to draw.
    pub prompt: String,
    /// What to keep out (empty: none).
    pub negative_prompt: String,
    /// Scheduler name.
    pub scheduler: String,
    /// Steps, 1 to 8 (empty: the service default, 4).
    pub steps: String,
    /// cfgScale, 1 to 7 (empty: the service default, 2).
    pub cfg_scale: String,
    /// Width in pixels, 256 to 1344 (empty: 1024).
    pub width: String,
    /// Height in pixels, 256 to 1344 (empty: 1024).
    pub height: String,
    /// How many images (one job each), 1 to 50 (empty: 1).
    pub count: String,
    /// Seconds to wait for each job before it is marked timed out (empty: 300).
    pub wait_s: String,
}

impl Default for ImageForm {
    fn default() -> Self {
        Self {
            model: DEFAULT_MODEL.into(),
            prompt: String::new(),
            negative_prompt: String::new(),
            scheduler: DEFAULT_SCHEDULER.into(),
            steps: DEFAULT_STEPS.to_string(),
            cfg_scale: DEFAULT_CFG_SCALE.to_string(),
            width: DEFAULT_SIZE.to_string(),
            height: DEFAULT_SIZE.to_string(),
            count: "1".into(),
            wait_s: DEFAULT_WAIT_S.to_string(),
        }
    }
}

/// A problem with one field, for display beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field, named as on the wire (`steps`, `cfgScale`, `negativePrompt`) or `count`, `wait`.
    pub field: String,
    /// The whole message, a sentence naming the field as on screen ("CFG scale must be…").
    pub message: String,
}

/// What Generate asks before a batch the credit known does not pay for
/// ([`Batch::credit_question`]).
#[derive(Debug, Clone, PartialEq)]
pub struct CreditQuestion {
    /// The dialog's title.
    pub title: String,
    /// What it says.
    pub message: String,
    /// The button that generates.
    pub confirm_label: String,
    /// How many images that button generates.
    pub count: u32,
}

/// What one click of Generate starts: `count` jobs of `request`.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// The request, valid per [`ImageRequest::validate`].
    pub request: ImageRequest,
    /// How many jobs.
    pub count: u32,
    /// How long to wait for each.
    pub wait: Duration,
}

impl Batch {
    /// What the batch costs: USD 0.0015 per image, in nano-USD.
    pub fn cost_nano_usd(&self) -> u64 {
        u64::from(self.count) * IMAGE_PRICE_NANO_USD
    }

    /// What the studio warns of when the credit known (`credit_usd`, named by `whose`) pays
    /// for fewer images than the batch asks for: the service refuses the jobs it cannot charge.
    pub fn credit_warning(&self, whose: &str, credit_usd: f64) -> Option<String> {
        let affordable = self.affordable(credit_usd)?;
        let [credit, each] = crate::money::alike_as([
            (credit_usd.max(0.0), crate::money::Round::Down),
            (nano_to_usd(IMAGE_PRICE_NANO_USD), crate::money::Round::Nearest),
        ]);
        Some(match affordable {
            0 => format!("{whose} ({credit}) is less than one image costs ({each}): the service will refuse the job."),
            n => format!(
                "{whose} ({credit}) pays for {n} of these {} images ({each} each): the service will refuse the rest.",
                self.count
            ),
        })
    }

    /// How many of the batch's images `credit_usd` pays for, when fewer than all of them.
    pub fn affordable(&self, credit_usd: f64) -> Option<u32> {
        if !credit_usd.is_finite() || credit_usd * 1e9 >= self.cost_nano_usd() as f64 {
            return None;
        }
        Some((credit_usd.max(0.0) * 1e9 / IMAGE_PRICE_NANO_USD as f64).floor() as u32)
    }

    /// What Generate asks when the credit known (`credit_usd`, named by `whose`) pays for
    /// fewer images than the batch: to generate only those (user review: all five were sent,
    /// and three came back refused), or, when it pays for none, whether to send anyway (the
    /// credit may have been topped up since it was read). `None` when it pays for all.
    pub fn credit_question(&self, whose: &str, credit_usd: f64) -> Option<CreditQuestion> {
        let affordable = self.affordable(credit_usd)?;
        let warning = self.credit_warning(whose, credit_usd)?;
        Some(match affordable {
            0 => CreditQuestion {
                title: "Not enough credit".into(),
                message: format!(
                    "{warning} Top up your credit first, or generate anyway if you have just topped it up."
                ),
                confirm_label: "Generate anyway".into(),
                count: self.count,
            },
            n => {
                let what = if n == 1 { "1 image".to_owned() } else { format!("{n} images") };
                CreditQuestion {
                    title: "Not enough credit for every image".into(),
                    message: format!(
                        "{warning} Generate {what} ({}) instead?",
                        crate::money::exact_nano(u64::from(n) * IMAGE_PRICE_NANO_USD)
                    ),
                    confirm_label: format!("Generate {what}"),
                    count: n,
                }
            }
        })
    }

    /// The Generate button's words: "Generate 3 images · $0.0045".
    pub fn label(&self) -> String {
        let noun = if self.count == 1 { "image" } else { "images" };
        format!("Generate {} {noun} · {}", self.count, crate::money::exact_nano(self.cost_nano_usd()))
    }
}

/// The order fields appear in the form (errors are listed in it).
const FIELD_ORDER: &[&str] =
    &["model", "prompt", "negativePrompt", "scheduler", "steps", "cfgScale", "width", "height", "count", "wait"];

impl ImageForm {
    /// The form as saved between visits (JSON; empty when it is the default form).
    pub fn to_saved(&self) -> String {
        if *self == Self::default() {
            return String::new();
        }
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A saved form; fields missing or unreadable take their defaults, a model or scheduler
    /// the app no longer knows goes back to the default (nothing is sent without the live
    /// checks anyway).
    pub fn from_saved(saved: &str) -> Self {
        let mut form: Self = serde_json::from_str(saved).unwrap_or_default();
        if !IMAGE_MODELS.iter().any(|m| m.id == form.model) {
            form.model = DEFAULT_MODEL.into();
        }
        if !SCHEDULERS.contains(&form.scheduler.as_str()) {
            form.scheduler = DEFAULT_SCHEDULER.into();
        }
        form
    }

    /// Why Generate is disabled, for under it: the prompt wanted first, else the first field
    /// to correct (its own sentence).
    pub fn why_not_ready(errors: &[FieldError]) -> String {
        let wrong: Vec<&FieldError> = errors.iter().filter(|e| e.field != "prompt").collect();
        match wrong.as_slice() {
            [] => "Describe the image to generate it.".to_owned(),
            [e] => format!("Correct the field marked in red first. {}", e.message),
            // Every field wrong is counted (user review: six were red, and only Steps named).
            [e, ..] => format!("Correct the {} fields marked in red first. {}", wrong.len(), e.message),
        }
    }

    /// Checks every field; on success the batch to start, else every problem in form order.
    pub fn check(&self) -> Result<Batch, Vec<FieldError>> {
        let mut errors = Vec::new();
        let steps = whole(&self.steps, "steps", STEPS_RANGE, &mut errors);
        let cfg_scale = number(&self.cfg_scale, "cfgScale", CFG_SCALE_RANGE, &mut errors);
        let width = whole(&self.width, "width", SIZE_RANGE, &mut errors);
        let height = whole(&self.height, "height", SIZE_RANGE, &mut errors);
        let count = whole(&self.count, "count", COUNT_RANGE, &mut errors).unwrap_or(1);
        let wait_s = whole(&self.wait_s, "wait", WAIT_RANGE_S, &mut errors).unwrap_or(DEFAULT_WAIT_S);
        let request = ImageRequest {
            model: self.model.trim().to_owned(),
            prompt: self.prompt.trim().to_owned(),
            negative_prompt: Some(self.negative_prompt.trim().to_owned()).filter(|s| !s.is_empty()),
            scheduler: Some(self.scheduler.trim().to_owned()).filter(|s| !s.is_empty()),
            steps,
            cfg_scale,
            width,
            height,
        };
        for problem in request.problems() {
            let field = problem.field().unwrap_or_default().to_owned();
            let message = field_message(&field, problem.message());
            errors.push(FieldError { field, message });
        }
        // The ranges of count and wait are the form's own (whole() parsed them without a check).
        for (field, value, (lo, hi)) in [("count", count, COUNT_RANGE), ("wait", wait_s, WAIT_RANGE_S)] {
            if !(lo..=hi).contains(&value) {
                errors.push(FieldError {
                    field: field.into(),
                    message: field_message(field, &format!("must be between {lo} and {hi} (got {value})")),
                });
            }
        }
        if errors.is_empty() {
            return Ok(Batch { request, count, wait: Duration::from_secs(u64::from(wait_s)) });
        }
        errors.sort_by_key(|e| FIELD_ORDER.iter().position(|f| *f == e.field).unwrap_or(FIELD_ORDER.len()));
        Err(errors)
    }

    /// The first problem with `field`, if any.
    pub fn error_for(errors: &[FieldError], field: &str) -> Option<String> {
        errors.iter().find(|e| e.field == field).map(|e| e.message.clone())
    }

    /// Fills every request parameter from an earlier job (count and wait stay), showing the
    /// service's defaults where the job left a parameter out.
    pub fn reuse(&mut self, params: &ImageRequest) {
        self.model = params.model.clone();
        self.prompt = params.prompt.clone();
        self.negative_prompt = params.negative_prompt.clone().unwrap_or_default();
        self.scheduler = params.scheduler.clone().unwrap_or_else(|| DEFAULT_SCHEDULER.into());
        self.steps = params.steps.unwrap_or(DEFAULT_STEPS).to_string();
        self.cfg_scale = params.cfg_scale.unwrap_or(DEFAULT_CFG_SCALE).to_string();
        self.width = params.effective_width().to_string();
        self.height = params.effective_height().to_string();
    }

    /// Swaps width and height (portrait ↔ landscape).
    pub fn swap(&mut self) {
        std::mem::swap(&mut self.width, &mut self.height);
    }

    /// Sets the size of a preset.
    pub fn apply(&mut self, preset: &AspectPreset) {
        self.width = preset.width.to_string();
        self.height = preset.height.to_string();
    }

    /// The preset the typed size matches exactly, if any.
    pub fn preset(&self) -> Option<&'static AspectPreset> {
        let (w, h) = (self.width.trim().parse::<u32>().ok()?, self.height.trim().parse::<u32>().ok()?);
        ASPECT_PRESETS.iter().find(|p| p.width == w && p.height == h)
    }

    /// The chosen model's short description.
    pub fn model_description(&self) -> &'static str {
        image_model(self.model.trim()).map_or("", |m| m.description)
    }
}

/// Parses a whole number; empty is `None` (the default). A number that is not whole, or not
/// a number, is an error here; a range error is left to the caller (so it says "got N").
fn whole(text: &str, field: &str, (lo, hi): (u32, u32), errors: &mut Vec<FieldError>) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.parse::<i64>() {
        Ok(v) => match u32::try_from(v) {
            Ok(v) => Some(v),
            Err(_) => {
                errors.push(FieldError {
                    field: field.into(),
                    message: field_message(field, &format!("must be between {lo} and {hi} (got {v})")),
                });
                None
            }
        },
        Err(_) => {
            errors.push(FieldError {
                field: field.into(),
                message: field_message(field, &format!("must be a whole number between {lo} and {hi}")),
            });
            None
        }
    }
}

/// Parses a finite decimal number; empty is `None`.
fn number(text: &str, field: &str, (lo, hi): (f64, f64), errors: &mut Vec<FieldError>) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v),
        _ => {
            errors.push(FieldError {
                field: field.into(),
                message: field_message(field, &format!("must be a number between {lo} and {hi}")),
            });
            None
        }
    }
}

/// An aspect-ratio preset: a size the models draw well at that ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AspectPreset {
    /// "16:9".
    pub label: &'static str,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// The presets: the sizes SDXL-family models were trained at (about one megapixel, sides
/// multiples of 64, all within 256–1344), nearest to each ratio.
pub const ASPECT_PRESETS: &[AspectPreset] = &[
    AspectPreset { label: "1:1", width: 1024, height: 1024 },
    AspectPreset { label: "4:3", width: 1152, height: 896 },
    AspectPreset { label: "3:4", width: 896, height: 1152 },
    AspectPreset { label: "3:2", width: 1216, height: 832 },
    AspectPreset { label: "2:3", width: 832, height: 1216 },
    AspectPreset { label: "16:9", width: 1344, height: 768 },
    AspectPreset { label: "9:16", width: 768, height: 1344 },
];

/// Every model id with its description, for the picker.
pub fn model_options() -> impl Iterator<Item = (&'static str, String)> {
    IMAGE_MODELS.iter().map(|m| (m.id, format!("{} — {}", m.id, m.description)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ImageForm {
        ImageForm { prompt: "a lighthouse at dusk".into(), ..ImageForm::default() }
    }

    #[test]
    fn a_credit_that_pays_for_fewer_images_than_asked_is_warned_of() {
        let batch = |count: &str| ImageForm { count: count.into(), ..form() }.check().expect("valid");
        assert_eq!(batch("3").credit_warning("Your credit", 0.0045), None, "exactly enough");
        assert_eq!(batch("1").credit_warning("Your credit", 5.0), None);
        let w = batch("3").credit_warning("Your credit", 0.0031).expect("short");
        assert_eq!(
            w,
            "Your credit ($0.0031) pays for 2 of these 3 images ($0.0015 each): the service will refuse the rest."
        );
        let w = batch("1").credit_warning("Your credit", 0.0002).expect("short");
        assert_eq!(w, "Your credit ($0.0002) is less than one image costs ($0.0015): the service will refuse the job.");
        // Regression: the credit was rounded to four decimals, "Your credit ($0.0015) is less
        // than one image costs ($0.0015)". A credit is rounded down, as the header shows it.
        let w = batch("1").credit_warning("Your credit", 0.001_49).expect("short");
        assert_eq!(w, "Your credit ($0.0014) is less than one image costs ($0.0015): the service will refuse the job.");
        let w = batch("1").credit_warning("Your credit", 0.001_499_9).expect("short");
        assert_eq!(w, "Your credit ($0.0014) is less than one image costs ($0.0015): the service will refuse the job.");
    }

    /// Regression (user review): with credit for 2 of 5 images, Generate sent all five and
    /// three came back refused. It now asks to generate the 2.
    #[test]
    fn generate_asks_to_make_only_what_the_credit_pays_for() {
        let batch = |count: &str| ImageForm { count: count.into(), ..form() }.check().expect("valid");
        assert_eq!(batch("3").credit_question("Your credit", 0.0045), None, "exactly enough");
        let q = batch("5").credit_question("Your credit", 0.004).expect("short");
        assert_eq!(q.title, "Not enough credit for every image");
        assert_eq!(
            q.message,
            "Your credit ($0.0040) pays for 2 of these 5 images ($0.0015 each): the service will refuse the rest. \
             Generate 2 images ($0.003) instead?"
        );
        assert_eq!((q.confirm_label.as_str(), q.count), ("Generate 2 images", 2));
        let q = batch("2").credit_question("Your credit", 0.002).expect("short");
        assert_eq!((q.confirm_label.as_str(), q.count), ("Generate 1 image", 1));
        let q = batch("2").credit_question("Your credit", 0.0).expect("none");
        assert_eq!((q.title.as_str(), q.confirm_label.as_str(), q.count), ("Not enough credit", "Generate anyway", 2));
        assert!(q.message.ends_with("Top up your credit first, or generate anyway if you have just topped it up."));
    }

    /// Checks `form` and returns the messages, in order.
    fn messages(form: &ImageForm) -> Vec<String> {
        form.check().err().unwrap_or_default().into_iter().map(|e| e.message).collect()
    }

    #[test]
    fn defaults_are_the_documented_ones_and_valid() {
        let batch = form().check().expect("valid");
        let r = &batch.request;
        assert_eq!(r.model, "dreamshaper");
        assert_eq!(r.scheduler.as_deref(), Some("DPM++ SDE"));
        assert_eq!((r.steps, r.cfg_scale, r.width, r.height), (Some(4), Some(2.0), Some(1024), Some(1024)));
        assert_eq!(r.negative_prompt, None);
        assert_eq!(batch.count, 1);
        assert_eq!(batch.wait, Duration::from_secs(300));
        assert_eq!(batch.label(), "Generate 1 image · $0.0015");
    }

    #[test]
    fn field_errors_name_the_field_and_the_range() {
        // Generate's reason when disabled (user review: disabled with no reason given).
        let mut f = form();
        f.prompt.clear();
        let errors = f.check().expect_err("no prompt");
        assert_eq!(ImageForm::why_not_ready(&errors), "Describe the image to generate it.");
        f.steps = "9".into();
        let errors = f.check().expect_err("two problems");
        assert_eq!(
            ImageForm::why_not_ready(&errors),
            "Correct the field marked in red first. Steps must be between 1 and 8 (you entered 9)."
        );
        f.width = "5".into();
        let errors = f.check().expect_err("three problems");
        assert_eq!(
            ImageForm::why_not_ready(&errors),
            "Correct the 2 fields marked in red first. Steps must be between 1 and 8 (you entered 9)."
        );
        f.width = "1024".into();

        type Case = (&'static str, fn(&mut ImageForm), &'static str);
        let cases: &[Case] = &[
            ("abc steps", |f| f.steps = "abc".into(), "Steps must be a whole number between 1 and 8"),
            ("4.5 steps", |f| f.steps = "4.5".into(), "Steps must be a whole number between 1 and 8"),
            ("0 steps", |f| f.steps = "0".into(), "Steps must be between 1 and 8 (you entered 0)"),
            ("9 steps", |f| f.steps = "9".into(), "Steps must be between 1 and 8 (you entered 9)"),
            ("-1 steps", |f| f.steps = "-1".into(), "Steps must be between 1 and 8 (you entered -1)"),
            ("cfg text", |f| f.cfg_scale = "high".into(), "CFG scale must be a number between 1 and 7"),
            ("cfg NaN", |f| f.cfg_scale = "NaN".into(), "CFG scale must be a number between 1 and 7"),
            ("cfg inf", |f| f.cfg_scale = "inf".into(), "CFG scale must be a number between 1 and 7"),
            ("cfg 7.5", |f| f.cfg_scale = "7.5".into(), "CFG scale must be between 1 and 7 (you entered 7.5)"),
            ("cfg 0.5", |f| f.cfg_scale = "0.5".into(), "CFG scale must be between 1 and 7 (you entered 0.5)"),
            ("width 255", |f| f.width = "255".into(), "Width must be between 256 and 1344 (you entered 255)"),
            ("height 2000", |f| f.height = "2000".into(), "Height must be between 256 and 1344 (you entered 2000)"),
            ("width px", |f| f.width = "512px".into(), "Width must be a whole number between 256 and 1344"),
            ("count 0", |f| f.count = "0".into(), "Images must be between 1 and 50 (you entered 0)"),
            ("count 51", |f| f.count = "51".into(), "Images must be between 1 and 50 (you entered 51)"),
            ("count x", |f| f.count = "x".into(), "Images must be a whole number between 1 and 50"),
            ("wait 5", |f| f.wait_s = "5".into(), "Wait per job must be between 10 and 3600 (you entered 5)"),
            ("no prompt", |f| f.prompt = "   ".into(), "Prompt must not be empty"),
            ("bad model", |f| f.model = "sdxl".into(), "Model: unknown image model \"sdxl\""),
            ("bad scheduler", |f| f.scheduler = "DDIM".into(), "Scheduler: unknown scheduler \"DDIM\""),
        ];
        for (name, change, expected) in cases {
            let mut f = form();
            change(&mut f);
            let got = messages(&f);
            assert_eq!(got.len(), 1, "{name}: {got:?}");
            assert!(got[0].starts_with(expected), "{name}: {got:?}");
        }
    }

    #[test]
    fn edges_and_blanks_are_valid() {
        for (steps, cfg, w, h) in [("1", "1", "256", "256"), ("8", "7", "1344", "1344"), (" 3 ", "4.5", "512", "768")] {
            let f =
                ImageForm { steps: steps.into(), cfg_scale: cfg.into(), width: w.into(), height: h.into(), ..form() };
            assert!(f.check().is_ok(), "{steps} {cfg} {w} {h}: {:?}", f.check());
        }
        // Blank optional fields fall back to the service's defaults (not sent).
        let f = ImageForm {
            steps: "".into(),
            cfg_scale: "".into(),
            width: "".into(),
            height: "".into(),
            count: "".into(),
            ..form()
        };
        let batch = f.check().expect("valid");
        assert_eq!((batch.request.steps, batch.request.cfg_scale, batch.request.width), (None, None, None));
        assert_eq!(batch.count, 1);
        let json = serde_json::to_string(&batch.request).expect("encodes");
        assert!(!json.contains("steps") && !json.contains("width"), "{json}");
    }

    #[test]
    fn all_problems_listed_in_form_order() {
        let f = ImageForm {
            prompt: "".into(),
            count: "0".into(),
            height: "9999".into(),
            steps: "x".into(),
            cfg_scale: "99".into(),
            ..ImageForm::default()
        };
        let fields: Vec<String> = f.check().expect_err("invalid").into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["prompt", "steps", "cfgScale", "height", "count"]);
        let errors = f.check().expect_err("invalid");
        assert_eq!(
            ImageForm::error_for(&errors, "steps").as_deref(),
            Some("Steps must be a whole number between 1 and 8.")
        );
        assert_eq!(ImageForm::error_for(&errors, "width"), None);
    }

    #[test]
    fn cost_is_count_times_the_image_price() {
        let f = ImageForm { count: "3".into(), ..form() };
        let batch = f.check().expect("valid");
        assert_eq!(batch.cost_nano_usd(), 4_500_000);
        assert_eq!(batch.label(), "Generate 3 images · $0.0045");
        let f = ImageForm { count: "50".into(), ..form() };
        assert_eq!(f.check().expect("valid").label(), "Generate 50 images · $0.075");
    }

    #[test]
    fn presets_are_in_range_multiples_of_64_and_near_their_ratio() {
        assert_eq!(ASPECT_PRESETS.len(), 7);
        for p in ASPECT_PRESETS {
            for side in [p.width, p.height] {
                assert!((SIZE_RANGE.0..=SIZE_RANGE.1).contains(&side), "{p:?}");
                assert_eq!(side % 64, 0, "{p:?}");
            }
            let (a, b) = p.label.split_once(':').expect("a:b");
            let want = a.parse::<f64>().expect("a") / b.parse::<f64>().expect("b");
            let got = f64::from(p.width) / f64::from(p.height);
            assert!((got / want - 1.0).abs() < 0.04, "{p:?}: {got} vs {want}");
            let megapixels = f64::from(p.width * p.height) / 1_048_576.0;
            assert!((0.95..=1.05).contains(&megapixels), "{p:?}: {megapixels} MP");
            // Every preset is a valid request size.
            let mut f = form();
            f.apply(p);
            assert!(f.check().is_ok());
            assert_eq!(f.preset(), Some(p));
        }
        // Each landscape preset has its portrait twin.
        for p in ASPECT_PRESETS {
            assert!(ASPECT_PRESETS.iter().any(|q| q.width == p.height && q.height == p.width), "{p:?}");
        }
    }

    #[test]
    fn swap_turns_landscape_into_portrait() {
        let mut f = form();
        f.apply(&ASPECT_PRESETS[5]);
        assert_eq!(f.preset().map(|p| p.label), Some("16:9"));
        f.swap();
        assert_eq!((f.width.as_str(), f.height.as_str()), ("768", "1344"));
        assert_eq!(f.preset().map(|p| p.label), Some("9:16"));
        f.width = "1000".into();
        assert_eq!(f.preset(), None);
    }

    #[test]
    fn reuse_fills_every_parameter_and_keeps_count() {
        let mut params = ImageRequest::new("juggernaut", "a red fox");
        params.negative_prompt = Some("blur".into());
        params.scheduler = Some("Euler a".into());
        params.steps = Some(6);
        params.cfg_scale = Some(3.5);
        params.width = Some(832);
        params.height = Some(1216);
        let mut f = ImageForm { count: "4".into(), ..ImageForm::default() };
        f.reuse(&params);
        assert_eq!(f.check().expect("valid").request, params);
        assert_eq!(f.count, "4");
        assert_eq!(f.model_description(), "Versatile realism with strong lighting");
        // Left-out parameters show the service defaults.
        f.reuse(&ImageRequest::new("amigo", "x"));
        assert_eq!((f.steps.as_str(), f.cfg_scale.as_str(), f.width.as_str()), ("4", "2", "1024"));
        assert_eq!(f.scheduler, "DPM++ SDE");
        assert_eq!(model_options().count(), 15);
    }

    #[test]
    fn the_form_is_saved_and_restored_as_typed() {
        assert_eq!(ImageForm::default().to_saved(), "", "nothing to keep");
        let typed = ImageForm {
            prompt: "A dragon".into(),
            steps: "7".into(),
            model: "juggernaut".into(),
            ..ImageForm::default()
        };
        assert_eq!(ImageForm::from_saved(&typed.to_saved()), typed);
        // Half a form (an older save) and unknown names fall back to the defaults.
        let old = ImageForm::from_saved(r#"{"prompt":"A cat","model":"retired-model","scheduler":"nope"}"#);
        assert_eq!(old, ImageForm { prompt: "A cat".into(), ..ImageForm::default() });
        assert_eq!(ImageForm::from_saved("not json"), ImageForm::default());
    }
}
