// Compiled (not run) by types.test.mjs with TypeScript's esnext.disposable lib: `using`
// accepts the objects that hold wasm memory (their [Symbol.dispose] is free()).
import { MiniToolAI, SseChatDecoder } from "minitoolai";

export function parse(bytes: Uint8Array): string[] {
  using decoder = new SseChatDecoder();
  using client = new MiniToolAI({ apiKey: "k" });
  void client;
  return decoder.push(bytes);
}
