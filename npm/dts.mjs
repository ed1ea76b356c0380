// The public form of wasm-bindgen's .d.ts (what the package ships and the snapshot holds).
//
// - The `InitOutput` interface lists every raw wasm export (hashed closure shims, `any`-typed
//   ABI functions). It is not API, and it would make the snapshot drift with every unrelated
//   change, so only its `memory` is kept.
// - wasm-bindgen types `init()`'s input with DOM names (`RequestInfo`, `Response`,
//   `BufferSource`, `WebAssembly.Module`): a project on `lib: ["es2022"]` (with or without
//   `@types/node`) would fail to type-check the package. They are replaced by structural
//   types declared here, which the DOM's and Node's values fit.
// - `[Symbol.dispose](): void` needs TypeScript's `esnext.disposable` lib: projects on
//   `lib: ["es2022", "dom"]` would fail to type-check the package. It is dropped from the
//   classes; types.d.ts gives it back through the global `Disposable` interface, which is
//   empty unless that lib (or @types/node) fills it. `free()` stays declared.

const INIT_OUTPUT = /export interface InitOutput \{\n[\s\S]*?\n\}\n/;
const INIT_INPUT = /^export type InitInput = RequestInfo.*\n/m;
const SYNC_INIT_INPUT = /^export type SyncInitInput = BufferSource.*\n/m;
const DISPOSE = /^ *\[Symbol\.dispose\]\(\): void;\n/gm;

const INIT_TYPES = `/**
 * Where \`init()\` takes the wasm from: its URL (a string or a \`URL\`), a \`Response\` (or a
 * promise of one, as \`fetch()\` gives), its bytes, or a compiled \`WebAssembly.Module\`.
 * Declared structurally: the types need neither the DOM lib nor \`@types/node\`.
 */
export type InitInput = string | WasmUrlLike | WasmResponseLike | WasmBytes | WasmModuleLike;

/** A \`URL\`. */
export interface WasmUrlLike {
    readonly href: string;
}

/** A fetch \`Response\` of the wasm file. */
export interface WasmResponseLike {
    arrayBuffer(): Promise<ArrayBuffer>;
}

/** The bytes of the wasm file (a \`BufferSource\`). */
export type WasmBytes = ArrayBuffer | ArrayBufferView;

/** A compiled \`WebAssembly.Module\` (the ES2022 lib has no WebAssembly types). */
export type WasmModuleLike = object;
`;

/** The .d.ts as shipped. Idempotent. */
export function publicDts(generated) {
  return generated
    .replace(INIT_OUTPUT, "export interface InitOutput {\n    readonly memory: { readonly buffer: ArrayBuffer };\n}\n")
    .replace(INIT_INPUT, INIT_TYPES)
    .replace(SYNC_INIT_INPUT, "export type SyncInitInput = WasmBytes | WasmModuleLike;\n")
    .replace(DISPOSE, "");
}
