// Benchmark 5, the decoder-only entry: a body fetched by the app itself, decoded with
// `minitoolai/sse` (its wasm is inside sse.js, so the bundle is everything downloaded).
import { SseChatDecoder } from "../../pkg/sse.js";

export async function chat(apiKey, url, body, onText) {
  const response = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${apiKey}` }, body });
  const decoder = new SseChatDecoder();
  const reader = response.body.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) decoder.push(r.value).forEach(onText);
  decoder.finish().forEach(onText);
  decoder.free();
}
