//! The model catalog and the cost function, for JS.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::error::{decode, encode, to_js};
use crate::catalog::{chat_model, CHAT_MODELS, IMAGE_MODELS, SCHEDULERS};
use crate::types::chat::Usage;
use crate::Error;

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
/// plus completion tokens at the output price. Throws a `MiniToolAIError` for an unknown model.
#[wasm_bindgen(js_name = estimateChatCost)]
pub fn estimate_chat_cost(
    #[wasm_bindgen(unchecked_param_type = "ChatUsageInput")] usage: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ChatModelId")] model: JsValue,
) -> Result<f64, JsValue> {
    let usage: Usage = decode(usage, "usage").map_err(|e| to_js(&e))?;
    let id: String = decode(model, "model").map_err(|e| to_js(&e))?;
    let model = chat_model(&id).ok_or_else(|| {
        to_js(&Error::invalid("model", format!("unknown chat model \"{id}\"; see chatModels() for the list")))
    })?;
    Ok(model.cost_usd(&usage))
}
