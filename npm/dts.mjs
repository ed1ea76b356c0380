// The public form of wasm-bindgen's .d.ts (what the package ships and the snapshot holds).
//
// - The `InitOutput` interface lists every raw wasm export (hashed closure shims, `any`-typed
//   ABI functions). It is not API, and it would make the snapshot drift with every unrelated
//   change, so only its `memory` is kept.
// - `[Symbol.dispose](): void` needs TypeScript's `esnext.disposable` lib: projects on
//   `lib: ["es2022", "dom"]` would fail to type-check the package. `free()` stays declared
//   (and `Symbol.dispose` still works at run time where it exists).

const INIT_OUTPUT = /export interface InitOutput \{\n[\s\S]*?\n\}\n/;
const DISPOSE = /^ *\[Symbol\.dispose\]\(\): void;\n/gm;

/** The .d.ts as shipped. Idempotent. */
export function publicDts(generated) {
  return generated
    .replace(INIT_OUTPUT, "export interface InitOutput {\n    readonly memory: WebAssembly.Memory;\n}\n")
    .replace(DISPOSE, "");
}
