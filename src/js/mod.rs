//! The npm package's JavaScript surface (feature `js`): a thin `#[wasm_bindgen]` facade.
//!
//! Each function decodes its JS input, calls the Rust API, and encodes the answer; the
//! logic lives in the library. TypeScript types are hand-written in `types.d.ts` and
//! attached with `unchecked_*_type`, so the generated `.d.ts` has no `any`.

mod catalog;
mod decoder;
mod error;
mod stream;

use std::time::Duration;

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;

use self::error::{decode, encode, to_js};
use self::stream::JsChatStream;
use crate::types::chat::ChatRequest;
use crate::types::image::{ImageRequest, JobStatusResponse, JobTicket};
use crate::{CallOptions, Client, ClientConfig, Error};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("types.d.ts");

/// The constructor's options, as JS spells them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Options {
    api_key: String,
    #[serde(default)]
    base_url: Option<String>,
    #[serde(default)]
    max_retries: Option<u32>,
    #[serde(default)]
    timeout_ms: Option<u64>,
    #[serde(default)]
    idle_timeout_ms: Option<u64>,
}

impl Options {
    fn into_config(self) -> ClientConfig {
        let mut config = ClientConfig::new(self.api_key);
        if let Some(url) = self.base_url {
            config.base_url = url;
        }
        if let Some(n) = self.max_retries {
            config.retry.max_retries = n;
        }
        if let Some(ms) = self.timeout_ms {
            config.timeout = Duration::from_millis(ms);
        }
        if let Some(ms) = self.idle_timeout_ms {
            config.idle_timeout = Duration::from_millis(ms);
        }
        config
    }
}

/// A job status as JS sees it (`imageUrl`, camelCase like the rest of the JS surface).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JobStatus<'a> {
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
}

impl<'a> From<&'a JobStatusResponse> for JobStatus<'a> {
    fn from(s: &'a JobStatusResponse) -> Self {
        Self { status: &s.status, image_url: s.image_url.as_deref(), message: s.message.as_deref() }
    }
}

/// Per-call options: `signal`, and for `generateImage` also `onStatus` and `timeoutMs`.
struct Call {
    options: CallOptions,
    on_status: Option<js_sys::Function>,
    timeout: Option<Duration>,
}

impl Call {
    fn decode(value: Option<JsValue>) -> Result<Self, Error> {
        let mut call = Self { options: CallOptions::default(), on_status: None, timeout: None };
        let Some(value) = value.filter(|v| !v.is_undefined() && !v.is_null()) else {
            return Ok(call);
        };
        if !value.is_object() {
            return Err(Error::invalid("options", "must be an object"));
        }
        let get = |name: &str| {
            js_sys::Reflect::get(&value, &JsValue::from_str(name)).ok().filter(|v| !v.is_undefined() && !v.is_null())
        };
        if let Some(signal) = get("signal") {
            let signal = signal.dyn_into().map_err(|_| Error::invalid("signal", "must be an AbortSignal"))?;
            call.options.signal = Some(signal);
        }
        if let Some(f) = get("onStatus") {
            call.on_status = Some(f.dyn_into().map_err(|_| Error::invalid("onStatus", "must be a function"))?);
        }
        if let Some(ms) = get("timeoutMs") {
            match ms.as_f64().and_then(crate::config::wait_from_js_ms) {
                Some(wait) => call.timeout = Some(wait),
                None => return Err(Error::invalid("timeoutMs", "must be a number of milliseconds, at least 1")),
            }
        }
        Ok(call)
    }
}

/// Runs `f` as a JS promise: resolves with its value, rejects with a `MiniToolAIError`.
fn promise<F>(f: F) -> js_sys::Promise
where
    F: std::future::Future<Output = Result<JsValue, Error>> + 'static,
{
    future_to_promise(async move { f.await.map_err(|e| to_js(&e)) })
}

/// A MiniToolAI API client: streamed chat, whole answers, image jobs.
#[wasm_bindgen]
pub struct MiniToolAI {
    client: Client,
}

#[wasm_bindgen]
impl MiniToolAI {
    /// A client for `options.apiKey` at `options.baseUrl` (default the real service). Throws a
    /// `MiniToolAIError` (`invalid_request`, naming the option) if an option is invalid.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "MiniToolAIOptions")] options: JsValue,
    ) -> Result<MiniToolAI, JsValue> {
        let options: Options = decode(options, "options").map_err(|e| to_js(&e))?;
        let client = Client::new(options.into_config()).map_err(|e| to_js(&e))?;
        Ok(MiniToolAI { client })
    }

    /// Starts a streamed chat completion. Resolves with the stream once the answer's headers
    /// arrived; rejects on validation, HTTP and network errors (after retries).
    #[wasm_bindgen(unchecked_return_type = "Promise<ChatStream>")]
    pub fn chat(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ChatCompletionRequest")] request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<JsValue>,
    ) -> js_sys::Promise {
        let client = self.client.clone();
        promise(async move {
            let request: ChatRequest = decode(request, "request")?;
            let call = Call::decode(options)?;
            let stream = client.chat(&request, &call.options).await?;
            Ok(JsChatStream::new(stream).into())
        })
    }

    /// Sends a chat request and resolves with the whole answer (what `finalCompletion()` gives).
    #[wasm_bindgen(unchecked_return_type = "Promise<ChatCompletion>")]
    pub fn complete(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ChatCompletionRequest")] request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<JsValue>,
    ) -> js_sys::Promise {
        let client = self.client.clone();
        promise(async move {
            let request: ChatRequest = decode(request, "request")?;
            let call = Call::decode(options)?;
            let done = client.complete(&request, &call.options).await?;
            encode(&done)
        })
    }

    /// Creates an image job; resolves with its `{ jobid, signature }`.
    #[wasm_bindgen(js_name = createImage, unchecked_return_type = "Promise<ImageJob>")]
    pub fn create_image(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImageRequest")] request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<JsValue>,
    ) -> js_sys::Promise {
        let client = self.client.clone();
        promise(async move {
            let request: ImageRequest = decode(request, "request")?;
            let call = Call::decode(options)?;
            let job = client.create_image(&request, &call.options).await?;
            encode(&job)
        })
    }

    /// Asks once for the status of an image job.
    #[wasm_bindgen(js_name = getImageJob, unchecked_return_type = "Promise<ImageJobStatus>")]
    pub fn get_image_job(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImageJobRef")] job: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] options: Option<JsValue>,
    ) -> js_sys::Promise {
        let client = self.client.clone();
        promise(async move {
            let job: JobTicket = decode(job, "job")?;
            let call = Call::decode(options)?;
            let status = client.image_status(&job, &call.options).await?;
            encode(&JobStatus::from(&status))
        })
    }

    /// Creates an image job and polls it until it is done, failed or past `timeoutMs`
    /// (default 300 000 ms after polling began). `onStatus` sees every status answer.
    #[wasm_bindgen(js_name = generateImage, unchecked_return_type = "Promise<GeneratedImage>")]
    pub fn generate_image(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImageRequest")] request: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "GenerateImageOptions")] options: Option<JsValue>,
    ) -> js_sys::Promise {
        let client = self.client.clone();
        promise(async move {
            let request: ImageRequest = decode(request, "request")?;
            let call = Call::decode(options)?;
            let on_status = |status: &JobStatusResponse| {
                if let (Some(f), Ok(value)) = (&call.on_status, encode(&JobStatus::from(status))) {
                    // A throwing callback must not stop the job: its exception is dropped.
                    let _ = f.call1(&JsValue::UNDEFINED, &value);
                }
            };
            let image = match call.timeout {
                Some(deadline) => client.generate_image_within(&request, &call.options, deadline, on_status).await?,
                None => client.generate_image(&request, &call.options, on_status).await?,
            };
            encode(&image)
        })
    }
}
