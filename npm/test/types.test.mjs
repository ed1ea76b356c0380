// The shipped .d.ts type-checks with skipLibCheck false under lib ES2022 alone, with
// @types/node, and with the DOM lib (issue 14, item 1), and so does the wasm subpath's.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";

import { pkgDir, root } from "./helpers.mjs";

const run = promisify(execFile);
const tsc = join(root, "node_modules/typescript/bin/tsc");
// @types/node: the workspace's devDependency, or a copy named by MINITOOLAI_TYPES_NODE.
const typesNode = [process.env.MINITOOLAI_TYPES_NODE, join(root, "node_modules/@types/node")]
  .filter(Boolean)
  .find((dir) => existsSync(join(dir, "package.json")));
let project;

before(() => {
  project = mkdtempSync(join(tmpdir(), "minitoolai-types-"));
  mkdirSync(join(project, "node_modules/@types"), { recursive: true });
  symlinkSync(pkgDir, join(project, "node_modules/minitoolai"), "dir");
  if (typesNode) symlinkSync(typesNode, join(project, "node_modules/@types/node"), "dir");
  writeFileSync(join(project, "package.json"), JSON.stringify({ type: "module", private: true }));
  for (const file of ["core.ts", "globals.ts", "using.ts"]) cpSync(join(root, "npm/test/types", file), join(project, file));
});
after(() => rmSync(project, { recursive: true, force: true }));

/** Runs tsc over `files` with `lib` and `types`; resolves with its output, "" when clean. */
async function check(name, lib, types, files) {
  const compilerOptions = {
    noEmit: true, strict: true, skipLibCheck: false, exactOptionalPropertyTypes: true,
    target: "es2022", module: "nodenext", moduleResolution: "nodenext", lib, types,
  };
  const config = join(project, `tsconfig.${name}.json`);
  writeFileSync(config, JSON.stringify({ compilerOptions, files }));
  try {
    await run(process.execPath, [tsc, "-p", config], { cwd: project });
    return "";
  } catch (err) {
    return `${err.stdout}${err.stderr}`;
  }
}

// The package's own declaration files, checked as files of the project (skipLibCheck
// false checks them anyway; naming them makes the wasm subpath's part of the check).
const dts = ["node_modules/minitoolai/index.d.ts", "node_modules/minitoolai/minitoolai_bg.wasm.d.ts"];

describe("types without the DOM", () => {
  test("lib ES2022 alone: no DOM name (RequestInfo, BufferSource, WebAssembly, AbortSignal…) is needed", async () => {
    assert.equal(await check("es2022", ["es2022"], [], ["core.ts", ...dts]), "");
  });

  test("lib ES2022 with @types/node, host values fit", async (t) => {
    if (!typesNode) {
      t.skip("@types/node is not installed (npm install, or set MINITOOLAI_TYPES_NODE)");
      return;
    }
    assert.equal(await check("node", ["es2022"], ["node"], ["core.ts", "globals.ts", ...dts]), "");
  });

  test("lib ES2022 and DOM, host values fit", async () => {
    assert.equal(await check("dom", ["es2022", "dom"], [], ["core.ts", "globals.ts", ...dts]), "");
  });

  test("with the esnext.disposable lib, `using` frees the package's objects", async () => {
    assert.equal(await check("disposable", ["es2022", "esnext.disposable"], [], ["core.ts", "using.ts", ...dts]), "");
  });

  test("the check sees errors: a DOM name under ES2022 alone fails", async () => {
    writeFileSync(join(project, "dom-name.ts"), "export const r: Response | undefined = undefined;\n");
    assert.match(await check("canary", ["es2022"], [], ["dom-name.ts"]), /Cannot find name 'Response'/);
    void dirname;
  });
});
