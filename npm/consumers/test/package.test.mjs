// The packed tarball as the registry would get it: publint and arethetypeswrong find nothing,
// both licences and the project links are in it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";

import { bin, consumers, ok } from "./support.mjs";

const tarball = process.env.MINITOOLAI_TARBALL;
const installed = join(consumers, "node_modules/minitoolai");

describe("package", { skip: !tarball && "MINITOOLAI_TARBALL is not set (npm/consumers/run sets it)" }, () => {
  test("publint: no errors, warnings or suggestions", async () => {
    const { stdout } = await ok(bin("publint"), ["run", tarball, "--strict", "--level", "suggestion"]);
    assert.match(stdout, /All good!/);
  });

  test("arethetypeswrong: no problem in any entry, for node10, node16 (CJS and ESM) and bundlers", async () => {
    const { stdout } = await ok(bin("attw"), [tarball, "--format", "json"]);
    const { analysis, problems } = JSON.parse(stdout);
    assert.deepEqual(analysis.problems, []);
    assert.deepEqual(problems, {});
    assert.deepEqual(Object.keys(analysis.entrypoints).sort(), [".", "./inline", "./minitoolai_bg.wasm", "./package.json", "./sse"]);
  });

  test("the tarball has both licences and the project's links", () => {
    const json = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
    assert.equal(json.license, "MIT OR Apache-2.0");
    assert.match(readFileSync(join(installed, "LICENSE-MIT"), "utf8"), /^MIT License/);
    assert.match(readFileSync(join(installed, "LICENSE-APACHE"), "utf8"), /Apache License\s+Version 2\.0/);
    assert.equal(json.repository.url, "git+https://github.com/minitoolai/minitoolai-browser.git");
    assert.match(json.homepage, /^https:\/\/github\.com\/minitoolai\/minitoolai-browser/);
    assert.equal(json.bugs.url, "https://github.com/minitoolai/minitoolai-browser/issues");
  });
});
