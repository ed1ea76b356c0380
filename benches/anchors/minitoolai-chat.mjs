// Our side of benchmark 5 bundled the same way: the same streamed chat call with the npm
// package (the wasm file is fetched next to the bundle and counted separately).
import init, { MiniToolAI } from "../../pkg/index.js";

export async function chat(apiKey, baseUrl, prompt, onText) {
  await init();
  const client = new MiniToolAI({ apiKey, baseUrl });
  const stream = await client.chat({ model: "gpt-4o-mini", messages: [{ role: "user", content: prompt }] });
  for await (const text of stream.textStream) onText(text);
}
