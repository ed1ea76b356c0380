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

use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;

use self::error::{decode, decode_request, encode, to_js};
use self::stream::JsChatStream;
use crate::types::chat::ChatRequest;
use crate::types::image::{ImageRequest, JobStatusResponse, JobTicket};
use crate::{CallOptions, Client, ClientConfig, Error, ErrorKind};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("types.d.ts");

/// The constructor's options, as JS spells them (`MiniToolAIOptions`).
const OPTIONS: [&str; 7] = ["apiKey", "baseUrl", "maxRetries", "timeoutMs", "idleTimeoutMs", "headers", "fetch"];

/// The fields of a chat request (`ChatCompletionRequest`), besides `extraBody`.
const CHAT_FIELDS: [&str; 5] = ["model", "messages", "temperature", "max_completion_tokens", "reasoning_effort"];

/// The fields of an image request (`ImageRequest`).
const IMAGE_FIELDS: [&str; 8] =
    ["model", "prompt", "negativePrompt", "scheduler", "steps", "cfgScale", "width", "height"];

/// Reads `new MiniToolAI(options)`: every key known, every value of the right type, in
/// plain words naming it. The API key's value is never quoted.
fn decode_options(value: &JsValue) -> Result<ClientConfig, Error> {
    let object = error::plain_object(value, "options")?;
    for key in js_sys::Object::keys(object).iter() {
        let key = key.as_string().unwrap_or_default();
        if !OPTIONS.contains(&key.as_str()) {
            return Err(Error::invalid_worded(
                key.clone(),
                "is not an option",
                format!("unknown option {key}; allowed: {}", OPTIONS.join(", ")),
            ));
        }
    }
    let get = |name: &str| {
        js_sys::Reflect::get(object, &JsValue::from_str(name)).ok().filter(|v| !v.is_undefined() && !v.is_null())
    };
    let api_key = match get("apiKey") {
        None => return Err(Error::invalid_worded("apiKey", "is required", "options.apiKey is required")),
        Some(key) => key
            .as_string()
            .ok_or_else(|| Error::invalid_worded("apiKey", "must be a string", "options.apiKey must be a string"))?,
    };
    let mut config = ClientConfig::new(api_key);
    if let Some(url) = get("baseUrl") {
        config.base_url = url
            .as_string()
            .ok_or_else(|| Error::invalid("baseUrl", format!("must be a string, got {}", error::describe(&url))))?;
    }
    if let Some(n) = get("maxRetries") {
        match n.as_f64() {
            Some(f) if f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&f) => {
                config.retry.max_retries = f as u32;
            }
            _ => {
                return Err(Error::invalid(
                    "maxRetries",
                    format!("must be a whole number ≥ 0, got {}", error::describe(&n)),
                ))
            }
        }
    }
    for name in ["timeoutMs", "idleTimeoutMs"] {
        let Some(ms) = get(name) else { continue };
        let wait = ms.as_f64().and_then(crate::config::wait_from_js_ms).ok_or_else(|| {
            Error::invalid(name, format!("must be a number of milliseconds ≥ 1, got {}", error::describe(&ms)))
        })?;
        if name == "timeoutMs" {
            config.timeout = wait;
        } else {
            config.idle_timeout = wait;
        }
    }
    if let Some(headers) = get("headers") {
        let prototype = js_sys::Object::get_prototype_of(&headers);
        let plain = prototype.is_null() || prototype == js_sys::Object::get_prototype_of(&js_sys::Object::new());
        if !plain {
            // A `Headers` or a `Map` has no own keys: it would send nothing, silently.
            return Err(Error::invalid("headers", "must be a plain object ({ name: value }), not a Headers or a Map"));
        }
        let headers = error::plain_object(&headers, "headers")?;
        for name in js_sys::Object::keys(headers).iter() {
            let name = name.as_string().unwrap_or_default();
            let value = js_sys::Reflect::get(headers, &JsValue::from_str(&name)).unwrap_or(JsValue::UNDEFINED);
            // `undefined`/`null` leave a header out, as in the `openai` package.
            if value.is_undefined() || value.is_null() {
                continue;
            }
            let Some(text) = value.as_string() else {
                let field = format!("headers[\"{name}\"]");
                return Err(Error::invalid(field, format!("must be a string, got {}", error::describe(&value))));
            };
            config.headers.push((name, text));
        }
    }
    if let Some(f) = get("fetch") {
        let described = error::describe(&f);
        config.fetch =
            Some(f.dyn_into().map_err(|_| Error::invalid("fetch", format!("must be a function, got {described}")))?);
    }
    Ok(config)
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

impl Call {
    /// An `aborted` error as `timeout` when the caller's signal fired for a timeout
    /// (`AbortSignal.timeout()`: its reason is a `TimeoutError` DOMException).
    fn recast(&self, err: Error) -> Error {
        timeout_of(err, self.options.signal.as_ref())
    }
}

/// `err` as a `timeout` error if it is `aborted` by `signal` with a `TimeoutError` reason.
pub(crate) fn timeout_of(err: Error, signal: Option<&web_sys::AbortSignal>) -> Error {
    let timed_out = signal.filter(|s| s.aborted()).is_some_and(|s| {
        let name = js_sys::Reflect::get(&s.reason(), &JsValue::from_str("name")).ok().and_then(|n| n.as_string());
        name.as_deref() == Some("TimeoutError")
    });
    if timed_out && err.kind() == ErrorKind::Aborted {
        err.recast(ErrorKind::Timeout, "the call timed out: its AbortSignal's timeout fired")
    } else {
        err
    }
}

/// An image request: known fields only (`extraBody` is for chat requests).
fn decode_image_request(value: JsValue) -> Result<ImageRequest, Error> {
    let (request, extra) = decode_request(value, "request", &IMAGE_FIELDS)?;
    if !extra.is_empty() {
        return Err(Error::invalid("extraBody", "is accepted by chat requests only"));
    }
    Ok(request)
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
        let config = decode_options(&options).map_err(|e| to_js(&e))?;
        let client = Client::new(config).map_err(|e| to_js(&e))?;
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
            let (request, extra): (ChatRequest, _) = decode_request(request, "request", &CHAT_FIELDS)?;
            let call = Call::decode(options)?;
            let signal = call.options.signal.clone();
            let stream = client.chat_with_extra(&request, &extra, &call.options).await.map_err(|e| call.recast(e))?;
            Ok(JsChatStream::new(stream, signal).into())
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
            let (request, extra): (ChatRequest, _) = decode_request(request, "request", &CHAT_FIELDS)?;
            let call = Call::decode(options)?;
            let done = client.complete_with_extra(&request, &extra, &call.options).await.map_err(|e| call.recast(e))?;
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
            let request = decode_image_request(request)?;
            let call = Call::decode(options)?;
            let job = client.create_image(&request, &call.options).await.map_err(|e| call.recast(e))?;
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
            let status = client.image_status(&job, &call.options).await.map_err(|e| call.recast(e))?;
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
            let request = decode_image_request(request)?;
            let call = Call::decode(options)?;
            let on_status = |status: &JobStatusResponse| {
                if let (Some(f), Ok(value)) = (&call.on_status, encode(&JobStatus::from(status))) {
                    // A throwing callback must not stop the job: its exception is dropped.
                    let _ = f.call1(&JsValue::UNDEFINED, &value);
                }
            };
            let image = match call.timeout {
                Some(deadline) => client.generate_image_within(&request, &call.options, deadline, on_status).await,
                None => client.generate_image(&request, &call.options, on_status).await,
            };
            let image = image.map_err(|e| call.recast(e))?;
            encode(&image)
        })
    }
}
