// The package as a package: its files and exports, its TypeScript surface, its catalog.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";

import { publicDts } from "../dts.mjs";
import { loadPackage, pkgDir, root } from "./helpers.mjs";

const run = promisify(execFile);
let pkg;
let project;

before(async () => {
  pkg = await loadPackage();
  // A project that depends on the package by name, as a user's would.
  project = mkdtempSync(join(tmpdir(), "minitoolai-npm-"));
  mkdirSync(join(project, "node_modules"));
  symlinkSync(pkgDir, join(project, "node_modules", "minitoolai"), "dir");
  writeFileSync(join(project, "package.json"), JSON.stringify({ type: "module", private: true }));
});
after(() => rmSync(project, { recursive: true, force: true }));

const dts = () => readFileSync(join(pkgDir, "minitoolai.d.ts"), "utf8");

describe("package", () => {
  test("package.json: name, version, exports for browsers/bundlers and Node, types", () => {
    const json = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
    const cargo = readFileSync(join(root, "Cargo.toml"), "utf8");
    assert.equal(json.name, "minitoolai");
    assert.equal(json.version, /^version = "(.*)"/m.exec(cargo)[1]);
    assert.equal(json.type, "module");
    assert.equal(json.types, "./index.d.ts");
    assert.deepEqual(json.exports["."], {
      workerd: { types: "./index.d.ts", default: "./workerd.js" },
      node: {
        require: { types: "./index.d.cts", default: "./index.cjs" },
        default: { types: "./index.d.ts", default: "./node.js" },
      },
      types: "./index.d.ts",
      default: "./index.js",
    });
    for (const file of ["index.js", "index.d.ts", "node.js", "minitoolai.js", "minitoolai.d.ts", "minitoolai_bg.wasm", "README.md"]) {
      assert.ok(json.files.includes(file), file);
      readFileSync(join(pkgDir, file));
    }
  });

  test("import \"minitoolai\" in Node resolves to the node entry and needs no init", async () => {
    const script = `
      import init, * as m from "minitoolai";
      const names = Object.keys(m).filter((n) => n !== "default").sort();
      const models = m.chatModels().length;
      await init();
      const err = new m.MiniToolAIError("timeout", "x");
      console.log(JSON.stringify({ names, models, error: err instanceof Error && err.kind === "timeout" }));
    `;
    writeFileSync(join(project, "smoke.mjs"), script);
    const { stdout } = await run(process.execPath, ["smoke.mjs"], { cwd: project });
    const out = JSON.parse(stdout);
    assert.deepEqual(out.names, [
      "ChatStream", "ChatStreamReader", "MiniToolAI", "MiniToolAIError", "SseChatDecoder", "TextStream", "TextStreamReader",
      "chatModels", "estimateChatCost", "imageModels", "initSync", "isChatModelId", "schedulers",
    ]);
    assert.equal(out.models, 16);
    assert.ok(out.error);
  });

  test("a bundler targeting browsers takes the ES module entry, not the Node one", async () => {
    const esbuild = createRequire(join(root, "package.json"))("esbuild");
    writeFileSync(join(project, "app.js"), 'import init, { MiniToolAI } from "minitoolai";\nawait init();\nexport { MiniToolAI };\n');
    const out = await esbuild.build({
      entryPoints: [join(project, "app.js")], bundle: true, write: false, format: "esm", platform: "browser",
      absWorkingDir: project, logLevel: "silent",
    });
    const code = out.outputFiles[0].text;
    assert.ok(code.includes("minitoolai_bg.wasm"), "loads the wasm next to the module");
    assert.ok(!code.includes("node:fs"), "no Node built-ins in a browser bundle");
  });

  test("the .d.ts matches the snapshot (update: scripts/build-npm --update-snapshot)", () => {
    const snapshot = readFileSync(join(root, "npm/minitoolai.d.ts.snap"), "utf8");
    assert.equal(publicDts(dts()), snapshot, "the public TypeScript surface changed: review, then update the snapshot");
  });

  test("the public .d.ts has no `any` and no Leptos classes", () => {
    for (const file of ["minitoolai.d.ts", "index.d.ts"]) {
      const code = readFileSync(join(pkgDir, file), "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
      assert.doesNotMatch(code, /\bany\b/, file);
      assert.doesNotMatch(code, /IntoUnderlying/, file);
    }
  });

  test("TypeScript: documented usage compiles under --strict, mistakes do not", async () => {
    cpSync(join(root, "npm/test/types/usage.ts"), join(project, "usage.ts"));
    const tsc = join(root, "node_modules/typescript/bin/tsc");
    const compilerOptions = {
      noEmit: true, strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true,
      target: "es2022", module: "nodenext", moduleResolution: "nodenext", lib: ["es2022", "dom"], types: [],
    };
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["usage.ts"] }));
    try {
      await run(process.execPath, [tsc, "-p", "."], { cwd: project });
    } catch (err) {
      assert.fail(`tsc failed:\n${err.stdout}${err.stderr}`);
    }
  });

  test("the model unions of the .d.ts match the Rust catalog", () => {
    const union = (name) => {
      const body = new RegExp(`export type ${name} =([^;]*);`).exec(dts())[1];
      return [...body.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    };
    assert.deepEqual(union("ChatModelId"), pkg.chatModels().map((m) => m.id));
    assert.deepEqual(union("ImageModelId"), pkg.imageModels().map((m) => m.id));
    assert.deepEqual(union("Scheduler"), pkg.schedulers());
    const efforts = new Set(pkg.chatModels().flatMap((m) => m.reasoningEfforts));
    assert.deepEqual([...efforts].sort(), union("ReasoningEffort").sort());
  });
});

describe("catalog", () => {
  test("chatModels: prices, reasoning efforts, vision, as API.md lists them", () => {
    const models = pkg.chatModels();
    assert.equal(models.length, 16);
    assert.deepEqual(models[0], {
      id: "gpt-4o-mini", inputUsdPerMillion: 0.15, outputUsdPerMillion: 0.6, reasoningEfforts: [], vision: true,
    });
    const byId = Object.fromEntries(models.map((m) => [m.id, m]));
    assert.deepEqual(byId["gpt-5-nano"].reasoningEfforts, ["minimal", "low", "medium", "high"]);
    assert.deepEqual(byId["gpt-5.2"].reasoningEfforts, ["none", "low", "medium", "high"]);
    assert.equal(byId["gpt-5.5"].outputUsdPerMillion, 30);
    assert.equal(byId["gpt-5.3-codex"].vision, false);
  });

  test("imageModels and schedulers", () => {
    const images = pkg.imageModels();
    assert.equal(images.length, 15);
    assert.ok(images.every((m) => typeof m.id === "string" && m.description.length > 0));
    const schedulers = pkg.schedulers();
    assert.equal(schedulers.length, 18);
    assert.ok(schedulers.includes("DPM++ SDE"));
  });

  test("estimateChatCost is the Rust cost function", () => {
    assert.equal(pkg.estimateChatCost({ prompt_tokens: 17, completion_tokens: 3, total_tokens: 20 }, "gpt-4o-mini"), 0.00000435);
    assert.equal(pkg.estimateChatCost({ prompt_tokens: 1e6, completion_tokens: 1e6 }, "gpt-5.2"), 15.75);
    // A model the catalog does not know has no price: null, not a throw.
    assert.equal(pkg.estimateChatCost({ prompt_tokens: 1, completion_tokens: 1 }, "gpt-7"), null);
    assert.throws(() => pkg.estimateChatCost({ prompt_tokens: -1, completion_tokens: 1 }, "gpt-4o"), (err) => {
      assert.equal(err.field, "prompt_tokens");
      return true;
    });
  });

  test("MiniToolAIError is an Error subclass with the documented fields", () => {
    const err = new pkg.MiniToolAIError("rate_limited", "slow down", { status: 429, retryAfterMs: 1000 });
    assert.ok(err instanceof Error && err instanceof pkg.MiniToolAIError);
    assert.equal(err.name, "MiniToolAIError");
    assert.deepEqual(
      [err.kind, err.message, err.status, err.field, err.retryAfterMs, err.partialText],
      ["rate_limited", "slow down", 429, undefined, 1000, undefined],
    );
  });
});
