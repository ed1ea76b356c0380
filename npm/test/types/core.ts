// Compiled (not run) by types.test.mjs under three lib settings (ES2022 alone, with
// @types/node, with the DOM), skipLibCheck false: the package's types must need no global
// that the ES2022 lib lacks. So this file names none either (no fetch, AbortSignal, URL).
import init, {
  initSync, isChatModelId, MiniToolAI, MiniToolAIError, SseChatDecoder,
  type ChatCompletion, type InitInput, type MiniToolAIOptions,
} from "minitoolai";

export async function core(bytes: Uint8Array, options: MiniToolAIOptions): Promise<ChatCompletion> {
  await init({ module_or_path: bytes });
  initSync({ module: bytes.buffer });
  const input: InitInput = "https://cdn.example/minitoolai_bg.wasm";
  void input;
  const client = new MiniToolAI(options);
  const decoder = new SseChatDecoder({ maxLineBytes: 1024 });
  const pieces: string[] = decoder.push(bytes);
  decoder.free();
  void pieces;
  try {
    return await client.complete({ model: isChatModelId("x") ? "x" : "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
  } catch (err) {
    if (err instanceof MiniToolAIError && err.kind === "rate_limited") {
      const wait: number | undefined = err.retryAfterMs;
      void wait;
    }
    throw err;
  }
}
