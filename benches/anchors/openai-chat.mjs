// Anchor for benchmark 5: a streamed chat call with the official `openai` SDK, as an app
// would write it (bundled and minified by esbuild for the browser).
import OpenAI from "openai";

export async function chat(apiKey, baseURL, prompt, onText) {
  const client = new OpenAI({ apiKey, baseURL, dangerouslyAllowBrowser: true });
  const stream = await client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: prompt }],
    stream: true,
  });
  for await (const chunk of stream) onText(chunk.choices[0]?.delta?.content ?? "");
}
