// The same from a CommonJS module (compiled to require("minitoolai")): under `module: node16`
// this needs the package's "require" types (.d.cts), or TypeScript says TS1479.
import init, { MiniToolAI, MiniToolAIError } from "minitoolai";
import { SseChatDecoder } from "minitoolai/sse";

export async function answer(apiKey: string): Promise<string> {
  await init();
  try {
    new SseChatDecoder().free();
    const client = new MiniToolAI({ apiKey });
    return (await client.complete({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello" }] })).content;
  } catch (err) {
    if (err instanceof MiniToolAIError) return err.kind;
    throw err;
  }
}
