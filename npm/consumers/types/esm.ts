// The package's types as an ES module consumer uses them; no DOM or Node globals here, so the
// file also checks under `lib: ["ES2022"]` alone.
import init, { MiniToolAI, MiniToolAIError, chatModels, type ChatCompletion } from "minitoolai";
import initInline from "minitoolai/inline";
import wasm from "minitoolai/minitoolai_bg.wasm";
import { SseChatDecoder } from "minitoolai/sse";

export async function answer(apiKey: string, inline: boolean): Promise<string> {
  await (inline ? initInline() : init());
  const client = new MiniToolAI({ apiKey, baseUrl: "http://127.0.0.1:8787/api/" });
  try {
    const stream = await client.chat({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello" }] });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    const done: ChatCompletion = await stream.finalCompletion();
    const decoder = new SseChatDecoder({ maxLineBytes: 1 << 20 });
    const pieces: string[] = decoder.push(new Uint8Array(0)).concat(decoder.finish());
    return `${text} ${done.finishReason} ${chatModels().length} ${String(wasm)} ${pieces.length} ${decoder.done}`;
  } catch (err) {
    if (err instanceof MiniToolAIError) return err.kind;
    throw err;
  }
}
