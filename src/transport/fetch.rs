//! fetch and the body reader.

use std::time::Duration;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, ReadableStreamDefaultReader, Request, RequestInit, RequestRedirect, Response};

use super::{race, sleep, Abort, AbortReason, Either};
use crate::{ClientConfig, Error, ErrorKind};

#[wasm_bindgen]
extern "C" {
    // The global fetch: present in windows, workers and Node 18+.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(input: &Request) -> js_sys::Promise;
}

/// Response headers and status, before the body is read.
pub(crate) struct HttpResponse {
    pub(crate) status: u16,
    pub(crate) content_type: String,
    pub(crate) retry_after: Option<String>,
    pub(crate) retry_after_ms: Option<String>,
    response: Response,
}

/// Sends a JSON POST. Resolves when the response headers arrive (any status), or fails
/// with a network, timeout or abort error.
/// The config's default headers go first; the key, content type and accept are set last.
pub(crate) async fn fetch(
    url: &str,
    config: &ClientConfig,
    body: &str,
    accept: &str,
    abort: &Abort,
) -> Result<HttpResponse, Error> {
    let (api_key, timeout) = (&config.api_key, config.timeout);
    let headers = Headers::new().map_err(|e| js_error(ErrorKind::Network, "could not build headers", &e))?;
    let set = |name: &str, value: &str| headers.set(name, value);
    for (name, value) in &config.headers {
        set(name, value).map_err(|_| Error::invalid(format!("headers[\"{name}\"]"), "is not a valid header"))?;
    }
    // The key travels in a header only, never in the URL.
    set("authorization", &format!("Bearer {api_key}"))
        .and_then(|()| set("content-type", "application/json"))
        .and_then(|()| set("accept", accept))
        .map_err(|_| Error::invalid("apiKey", "must contain only printable ASCII characters"))?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(body));
    init.set_signal(Some(&abort.signal()));
    // Defence in depth: the API never redirects, and a redirect must not carry the key (nor
    // the request) to another origin: it is not followed, and fails below as a network error.
    // "manual", not "error": Cloudflare Workers (workerd) refuse a request with "error".
    init.set_redirect(RequestRedirect::Manual);
    let request = Request::new_with_str_and_init(url, &init)
        .map_err(|e| js_error(ErrorKind::InvalidRequest, &format!("invalid URL {url}"), &e))?;

    let sent = match &config.fetch {
        // A custom fetch may return a promise, a thenable or a value, or throw at once.
        Some(f) => match f.call1(&JsValue::UNDEFINED, &request) {
            Ok(answer) => JsFuture::from(js_sys::Promise::resolve(&answer)),
            Err(e) => JsFuture::from(js_sys::Promise::reject(&e)),
        },
        None => JsFuture::from(global_fetch(&request)),
    };
    let answer = match race(sent, sleep(timeout)).await {
        Either::Left(answer) => answer,
        Either::Right(()) => {
            abort.abort(AbortReason::HeadersTimeout);
            return Err(Error::new(
                ErrorKind::Timeout,
                format!("no answer from {} within {} ms", origin(url), timeout.as_millis()),
            ));
        }
    };
    let response: Response = match answer {
        Ok(v) => v.unchecked_into(),
        Err(e) => return Err(failure(abort, &e, url)),
    };
    // A browser reports an unfollowed redirect as status 0 ("opaqueredirect"); others as 3xx.
    if response.status() == 0 || (300..400).contains(&response.status()) {
        return Err(Error::new(
            ErrorKind::Network,
            format!("{} answered with a redirect, which the API never sends; it was not followed", origin(url)),
        ));
    }
    let get = |name: &str| response.headers().get(name).ok().flatten();
    Ok(HttpResponse {
        status: response.status(),
        content_type: get("content-type").unwrap_or_default().to_ascii_lowercase(),
        retry_after: get("retry-after"),
        retry_after_ms: get("retry-after-ms"),
        response,
    })
}

impl HttpResponse {
    /// Reads the whole body as text (for error and JSON answers).
    pub(crate) async fn text(self, abort: &Abort, timeout: Duration, url: &str) -> Result<String, Error> {
        let promise = self.response.text().map_err(|e| js_error(ErrorKind::Network, "could not read the body", &e))?;
        match race(JsFuture::from(promise), sleep(timeout)).await {
            Either::Left(Ok(text)) => Ok(text.as_string().unwrap_or_default()),
            Either::Left(Err(e)) => Err(failure(abort, &e, url)),
            Either::Right(()) => {
                abort.abort(AbortReason::IdleTimeout);
                Err(Error::new(ErrorKind::Timeout, format!("the answer from {} stalled", origin(url))))
            }
        }
    }

    /// The body as a stream reader, if the response has a body.
    pub(crate) fn into_body(self) -> Option<BodyReader> {
        let stream = self.response.body()?;
        Some(BodyReader { reader: stream.get_reader().unchecked_into() })
    }
}

/// Reads a response body chunk by chunk.
#[derive(Clone)]
pub(crate) struct BodyReader {
    reader: ReadableStreamDefaultReader,
}

impl BodyReader {
    /// The next chunk of bytes, or `None` at the end of the body. The future owns what it
    /// needs, so a stream can keep it across polls.
    pub(crate) fn read(&self) -> impl std::future::Future<Output = Result<Option<Vec<u8>>, JsValue>> + 'static {
        let read = JsFuture::from(self.reader.read());
        async move {
            let result = read.await?;
            let done = js_sys::Reflect::get(&result, &JsValue::from_str("done"))?.as_bool().unwrap_or(true);
            if done {
                return Ok(None);
            }
            let value = js_sys::Reflect::get(&result, &JsValue::from_str("value"))?;
            let bytes: js_sys::Uint8Array = value.dyn_into()?;
            Ok(Some(bytes.to_vec()))
        }
    }

    /// Stops reading: the connection is released without waiting for the end of the body.
    pub(crate) fn cancel(&self) {
        // The promise rejects when the body already failed (aborted, cut): nothing to release
        // then. The rejection must still be handled: unhandled, it ends a Node process.
        IGNORE.with(|ignore| {
            let _ = self.reader.cancel().catch(ignore);
        });
    }
}

thread_local! {
    /// A handler that drops what it is given (one for the whole module, never freed).
    static IGNORE: Closure<dyn FnMut(JsValue)> = Closure::new(|_: JsValue| {});
}

/// The error for a rejected fetch or read, given why (and whether) we aborted.
pub(crate) fn failure(abort: &Abort, err: &JsValue, url: &str) -> Error {
    match abort.reason() {
        Some(AbortReason::Caller) => Error::aborted(),
        Some(AbortReason::HeadersTimeout) => {
            Error::new(ErrorKind::Timeout, format!("no answer from {} in time", origin(url)))
        }
        Some(AbortReason::IdleTimeout) => {
            Error::new(ErrorKind::Timeout, format!("the stream from {} stalled", origin(url)))
        }
        None if error_name(err).as_deref() == Some("AbortError") => Error::aborted(),
        None => js_error(
            ErrorKind::Network,
            &format!(
                "could not reach {}: the connection failed, or the browser blocked the request (CORS)",
                origin(url)
            ),
            err,
        ),
    }
}

fn error_name(err: &JsValue) -> Option<String> {
    js_sys::Reflect::get(err, &JsValue::from_str("name")).ok()?.as_string()
}

/// An error whose message ends with the JavaScript error's own text.
pub(crate) fn js_error(kind: ErrorKind, what: &str, err: &JsValue) -> Error {
    let detail = err
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| err.as_string())
        .unwrap_or_default();
    if detail.is_empty() {
        Error::new(kind, what)
    } else {
        Error::new(kind, format!("{what} ({detail})"))
    }
}

/// The scheme, host and port of a URL, for messages (the path is noise there).
pub(crate) fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    url[after_scheme..].find('/').map_or(url, |i| &url[..after_scheme + i])
}
