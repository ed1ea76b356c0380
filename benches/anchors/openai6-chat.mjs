// Anchor for benchmark 5: the same streamed chat call with the last `openai` 6 (installed as
// the alias `openai6`), what `npm install openai` gave before 7.
import OpenAI from "openai6";

export async function chat(apiKey, baseURL, prompt, onText) {
  const client = new OpenAI({ apiKey, baseURL, dangerouslyAllowBrowser: true });
  const stream = await client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: prompt }],
    stream: true,
  });
  for await (const chunk of stream) onText(chunk.choices[0]?.delta?.content ?? "");
}
