//! The model catalog and the cost function, for JS.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::error::{decode, encode, to_js};
use crate::catalog::{chat_model, CHAT_MODELS, IMAGE_MODELS, SCHEDULERS};
use crate::types::chat::Usage;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChatModelInfo {
    id: &'static str,
    input_usd_per_million: f64,
    output_usd_per_million: f64,
    reasoning_efforts: Vec<&'static str>,
    vision: bool,
}

#[derive(Serialize)]
struct ImageModelInfo {
    id: &'static str,
    description: &'static str,
}

/// Every chat model, with its prices in USD per 1M tokens, the `reasoning_effort` values it
/// takes (empty if none) and whether it accepts images.
#[wasm_bindgen(js_name = chatModels, unchecked_return_type = "ChatModelInfo[]")]
pub fn chat_models() -> Result<JsValue, JsValue> {
    let models: Vec<ChatModelInfo> = CHAT_MODELS
        .iter()
        .map(|m| ChatModelInfo {
            id: m.id,
            input_usd_per_million: m.input_usd_per_million(),
            output_usd_per_million: m.output_usd_per_million(),
            reasoning_efforts: m.reasoning.map_or_else(Vec::new, |f| f.values().iter().map(|v| v.as_str()).collect()),
            vision: m.vision,
        })
        .collect();
    encode(&models).map_err(|e| to_js(&e))
}

/// Every text-to-image model, with a short description.
#[wasm_bindgen(js_name = imageModels, unchecked_return_type = "ImageModelInfo[]")]
pub fn image_models() -> Result<JsValue, JsValue> {
    let models: Vec<ImageModelInfo> =
        IMAGE_MODELS.iter().map(|m| ImageModelInfo { id: m.id, description: m.description }).collect();
    encode(&models).map_err(|e| to_js(&e))
}

/// Every image scheduler name.
#[wasm_bindgen(unchecked_return_type = "Scheduler[]")]
pub fn schedulers() -> Result<JsValue, JsValue> {
    encode(SCHEDULERS).map_err(|e| to_js(&e))
}

/// The cost in USD of a completion's `usage` on `model`: prompt tokens at the input price
/// plus completion tokens at the output price; `null` for a model the catalog does not know.
#[wasm_bindgen(js_name = estimateChatCost, unchecked_return_type = "number | null")]
pub fn estimate_chat_cost(
    #[wasm_bindgen(unchecked_param_type = "ChatUsageInput")] usage: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ChatModelId | (string & {})")] model: JsValue,
) -> Result<JsValue, JsValue> {
    let usage: Usage = decode(usage, "usage").map_err(|e| to_js(&e))?;
    let id: String = decode(model, "model").map_err(|e| to_js(&e))?;
    Ok(chat_model(&id).map_or(JsValue::NULL, |model| JsValue::from_f64(model.cost_usd(&usage))))
}

/// Whether `value` is one of the chat models of the catalog (`chatModels()`); a type guard.
#[wasm_bindgen(js_name = isChatModelId, unchecked_return_type = "value is ChatModelId")]
pub fn is_chat_model_id(#[wasm_bindgen(unchecked_param_type = "unknown")] value: JsValue) -> bool {
    value.as_string().is_some_and(|id| chat_model(&id).is_some())
}
