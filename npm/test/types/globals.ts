// Compiled (not run) by types.test.mjs where the host has fetch, AbortSignal and URL (the
// DOM lib, or @types/node): the host's own values fit the package's structural types.
import init, { MiniToolAI } from "minitoolai";

export async function globals(): Promise<void> {
  await init();
  await init({ module_or_path: new URL("./minitoolai_bg.wasm", "https://cdn.example/") });
  await init({ module_or_path: fetch("https://cdn.example/minitoolai_bg.wasm") });
  const client = new MiniToolAI({ apiKey: "k", fetch, headers: { "x-a": "1" } });
  const wrapped = new MiniToolAI({ apiKey: "k", fetch: (input, init) => fetch(input, init) });
  void wrapped;
  await client.complete({ model: "gpt-4o", messages: [] }, { signal: AbortSignal.timeout(1000) });
  await client.complete({ model: "gpt-4o", messages: [] }, { signal: new AbortController().signal });
}
