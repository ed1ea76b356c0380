//! Text-to-image wire types: the job request, the create answer, the status answer.

use serde::{Deserialize, Deserializer, Serialize};

/// A text-to-image request (`POST texttoimage/`). Field names are camelCase on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageRequest {
    /// One of [`IMAGE_MODELS`](super::catalog::IMAGE_MODELS).
    pub model: String,
    /// What to draw.
    pub prompt: String,
    /// What to keep out of the picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negative_prompt: Option<String>,
    /// One of [`SCHEDULERS`](super::catalog::SCHEDULERS) (service default "DPM++ SDE").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduler: Option<String>,
    /// Sampling steps, 1 to 8 (default 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<u32>,
    /// Prompt guidance, 1 to 7 (default 2): below 4 more creative, above 4 closer to the prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cfg_scale: Option<f64>,
    /// Width in pixels, 256 to 1344 (default 1024).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Height in pixels, 256 to 1344 (default 1024).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

impl ImageRequest {
    /// A request with the service's defaults for everything but model and prompt.
    pub fn new(model: impl Into<String>, prompt: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            prompt: prompt.into(),
            negative_prompt: None,
            scheduler: None,
            steps: None,
            cfg_scale: None,
            width: None,
            height: None,
        }
    }

    /// Width after defaults.
    pub fn effective_width(&self) -> u32 {
        self.width.unwrap_or(DEFAULT_SIZE)
    }

    /// Height after defaults.
    pub fn effective_height(&self) -> u32 {
        self.height.unwrap_or(DEFAULT_SIZE)
    }
}

/// Default `steps`.
pub const DEFAULT_STEPS: u32 = 4;
/// Default `cfgScale`.
pub const DEFAULT_CFG_SCALE: f64 = 2.0;
/// Default `width` and `height`.
pub const DEFAULT_SIZE: u32 = 1024;

/// The answer to a create call: `{"status":"success","jobid":12345678,"signature":"…"}`
/// or `{"status":"error","jobid":null,"signature":null}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobCreated {
    /// `success` or `error`.
    pub status: String,
    /// The job id (a number on the wire; strings accepted too).
    #[serde(default, deserialize_with = "job_id")]
    pub jobid: Option<String>,
    /// The job's signature, needed to ask for its status.
    #[serde(default)]
    pub signature: Option<String>,
    /// An explanation, when the service gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// What identifies a job to the status call.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct JobTicket {
    /// The job id, as a string (as the documented status call sends it).
    #[serde(deserialize_with = "required_job_id")]
    pub jobid: String,
    /// The signature returned with it.
    pub signature: String,
}

/// The answer to a status call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobStatusResponse {
    /// `success`, `error`/`failed`, or anything else while the job runs.
    #[serde(default)]
    pub status: String,
    /// The image, once done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// The service's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Where a job stands, as this crate reads a status answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobState {
    /// Finished: the image is at this URL.
    Done {
        /// The image URL (untrusted: check it before display).
        image_url: String,
    },
    /// Failed, with the service's message.
    Failed {
        /// Why.
        message: String,
    },
    /// Still running (queued, processing, or a status we do not know): poll again.
    Pending {
        /// The status word the service used.
        status: String,
    },
}

impl JobStatusResponse {
    /// Reads the answer per API.md: `success` with an image URL is done; `error` or `failed`
    /// is failed; everything else (including `success` without a URL) is still running.
    pub fn state(&self) -> JobState {
        let status = self.status.trim().to_ascii_lowercase();
        match (status.as_str(), &self.image_url) {
            ("success", Some(url)) if !url.trim().is_empty() => JobState::Done { image_url: url.trim().to_owned() },
            ("error" | "failed" | "failure", _) => JobState::Failed {
                message: self
                    .message
                    .clone()
                    .filter(|m| !m.trim().is_empty())
                    .unwrap_or_else(|| "the image job failed".into()),
            },
            _ => JobState::Pending { status: self.status.clone() },
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrString {
    Number(serde_json::Number),
    String(String),
}

fn job_id<'de, D: Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<NumberOrString>::deserialize(de)?.map(|v| match v {
        NumberOrString::Number(n) => n.to_string(),
        NumberOrString::String(s) => s,
    }))
}

fn required_job_id<'de, D: Deserializer<'de>>(de: D) -> Result<String, D::Error> {
    job_id(de)?.ok_or_else(|| serde::de::Error::custom("jobid must not be null"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_answers_decode() {
        let ok: JobCreated =
            serde_json::from_str(r#"{"status":"success","jobid":12345678,"signature":"abcxyz123"}"#).expect("decodes");
        assert_eq!(ok.jobid.as_deref(), Some("12345678"));
        assert_eq!(ok.signature.as_deref(), Some("abcxyz123"));
        let err: JobCreated =
            serde_json::from_str(r#"{"status":"error","jobid":null,"signature":null}"#).expect("decodes");
        assert_eq!((err.jobid, err.signature), (None, None));
        let t: JobTicket = serde_json::from_str(r#"{"jobid":"12345678","signature":"abcxyz123"}"#).expect("decodes");
        assert_eq!(t.jobid, "12345678");
        let t: JobTicket = serde_json::from_str(r#"{"jobid":12345678,"signature":"abcxyz123"}"#).expect("decodes");
        assert_eq!(serde_json::to_string(&t).expect("encodes"), r#"{"jobid":"12345678","signature":"abcxyz123"}"#);
    }

    #[test]
    fn statuses_are_read_per_api_md() {
        let read = |json: &str| serde_json::from_str::<JobStatusResponse>(json).expect("decodes").state();
        assert_eq!(
            read(r#"{"status": "success", "image_url": "https://x.test/i.png", "message": "success"}"#),
            JobState::Done { image_url: "https://x.test/i.png".into() }
        );
        assert_eq!(read(r#"{"status":"error","message":"nsfw"}"#), JobState::Failed { message: "nsfw".into() });
        assert_eq!(read(r#"{"status":"failed"}"#), JobState::Failed { message: "the image job failed".into() });
        for s in ["pending", "processing", "queued", "whatever-new", ""] {
            let json = format!(r#"{{"status":"{s}"}}"#);
            assert_eq!(read(&json), JobState::Pending { status: s.into() }, "{s}");
        }
        // success without a URL is not done: keep polling.
        assert!(matches!(read(r#"{"status":"success"}"#), JobState::Pending { .. }));
    }

    #[test]
    fn request_uses_camel_case() {
        let mut r = ImageRequest::new("dreamshaper", "a cat");
        r.negative_prompt = Some("dogs".into());
        r.cfg_scale = Some(2.5);
        r.width = Some(512);
        let json = serde_json::to_string(&r).expect("encodes");
        assert_eq!(
            json,
            r#"{"model":"dreamshaper","prompt":"a cat","negativePrompt":"dogs","cfgScale":2.5,"width":512}"#
        );
        assert_eq!((r.effective_width(), r.effective_height()), (512, 1024));
    }
}
