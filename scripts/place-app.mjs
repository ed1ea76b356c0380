// Writes the page into DIST (scripts/build-app): index.html, with the stylesheets and the icon
// it names with `data-asset` links, and the app's split wasm build (cargo -> wasm-split-cli ->
// wasm-bindgen -> wasm-opt, in STAGE), each file under a content-hashed name:
//   node scripts/place-app.mjs STAGE DIST
//
// STAGE holds what the tools wrote:
//   minitoolai-app.js, minitoolai-app_bg.wasm  the main module, which the page waits for;
//   split_<part>.wasm                          one chunk per wasm_split module, fetched later;
//   chunk_<n>.wasm                             code that several of those share;
//   __wasm_split.js                            the chunks' loader (it names the chunks and
//                                              imports the main module's initSync);
//   snippets/                                  the JS files the Rust code imports.
// Each chunk is named by its own content. The main module, its wasm and the loader name
// each other, so they share one hash, taken over everything the build wrote.
import { cpSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { createHash } from "node:crypto";

const [stage, dist] = process.argv.slice(2);
if (!stage || !dist) throw new Error("usage: node scripts/place-app.mjs STAGE DIST");
const root = new URL("..", import.meta.url).pathname;

const APP = "minitoolai-app";
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex").slice(0, 16);
const sri = (bytes) => "sha384-" + createHash("sha384").update(bytes).digest("base64");
const read = (name) => readFileSync(join(stage, name));

let glue = read(`${APP}.js`).toString();
const wasm = read(`${APP}_bg.wasm`);
let loader = read("__wasm_split.js").toString();

// Chunks first: the loader names them.
const chunks = readdirSync(stage).filter((f) => /^(split_\w+|chunk_\d+)\.wasm$/.test(f)).sort();
const placed = [];
for (const chunk of chunks) {
  const bytes = read(chunk);
  const name = `${chunk.replace(/\.wasm$/, "")}-${sha256(bytes)}.wasm`;
  const quoted = `"./${chunk}"`;
  if (!loader.includes(quoted)) throw new Error(`place-app: the loader does not name ${chunk}`);
  loader = loader.replaceAll(quoted, `"./${name}"`);
  writeFileSync(join(dist, name), bytes);
  placed.push(name);
}

const snippets = join(stage, "snippets");
const snippetFiles = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? snippetFiles(path) : [path];
  });
const snippetPaths = existsSync(snippets) ? snippetFiles(snippets) : [];

const hash = sha256(Buffer.concat([Buffer.from(glue), wasm, Buffer.from(loader), ...snippetPaths.map((p) => readFileSync(p))]));
const main = `${APP}-${hash}.js`;
const mainWasm = `${APP}-${hash}_bg.wasm`;
const split = `split-${hash}.js`;

const mainImport = `"./${APP}.js"`;
if (!loader.includes(mainImport)) throw new Error("place-app: the loader does not import the main module");
loader = loader.replaceAll(mainImport, `"./${main}"`);
// The main module imports the loader (`import * as X from "./__wasm_split.js"`, once per
// chunk); the wasm's imports keep that module name, so only the import statements change.
const loaderImport = /(\bfrom\s*)(['"])\.\/__wasm_split\.js\2/g;
if (!loaderImport.test(glue)) throw new Error("place-app: the main module does not import the chunks' loader");
glue = glue.replace(loaderImport, `$1"./${split}"`);

writeFileSync(join(dist, main), glue);
writeFileSync(join(dist, mainWasm), wasm);
writeFileSync(join(dist, split), loader);
if (snippetPaths.length) cpSync(snippets, join(dist, "snippets"), { recursive: true });

// The page: the wasm's preload (scripts/finish-dist.mjs moves it first), the modules the
// main module imports at once (so they come in parallel, not one after the other), and the
// loader as a file (the Content-Security-Policy forbids inline scripts).
const boot = `import init from "./${main}";\nawait init({ module_or_path: "./${mainWasm}" });\n`;
const bootName = `boot-${sha256(boot)}.js`;
writeFileSync(join(dist, bootName), boot);
const modulePreload = (path, bytes) => `<link rel="modulepreload" href="./${path}" crossorigin="anonymous" integrity="${sri(bytes)}">`;
const head = [
  `<link rel="preload" href="./${mainWasm}" crossorigin="anonymous" as="fetch" type="application/wasm">`,
  `<script type="module" src="./${bootName}"></script>`,
  modulePreload(main, glue),
  modulePreload(split, loader),
  ...snippetPaths.map((p) => modulePreload(relative(stage, p).split("\\").join("/"), readFileSync(p))),
];
// The stylesheets and the icon, each with its integrity (a <link data-asset> in the source).
let html = readFileSync(join(root, "index.html"), "utf8").replace(/<link data-asset rel="(css|icon)" href="([^"]+)" \/>/g, (_, rel, href) => {
  const bytes = readFileSync(join(root, href));
  const file = href.split("/").pop();
  const name = file.replace(/(\.[a-z]+)$/, `-${sha256(bytes)}$1`);
  writeFileSync(join(dist, name), bytes);
  return `<link rel="${rel === "css" ? "stylesheet" : "icon"}" href="./${name}" integrity="${sri(bytes)}"/>`;
});
// The early page's script (a file: the policy forbids inline scripts), run in the head
// before the first paint (it is fetched beside the stylesheets, which the paint waits for).
html = html.replace(/<script data-asset src="([^"]+)"><\/script>/g, (_, src) => {
  const bytes = readFileSync(join(root, src));
  const name = src.split("/").pop().replace(/(\.js)$/, `-${sha256(bytes)}$1`);
  writeFileSync(join(dist, name), bytes);
  return `<script src="./${name}" integrity="${sri(bytes)}"></script>`;
});
if (html.includes("data-asset")) throw new Error("place-app: a data-asset link it does not know in index.html");
const indexPath = join(dist, "index.html");
if (!html.includes("</head>")) throw new Error(`place-app: no </head> in ${indexPath}`);
html = html.replace("</head>", `  ${head.join("\n    ")}\n  </head>`);
writeFileSync(indexPath, html);
console.log(`app: ${main}, ${mainWasm} (${wasm.length} bytes), ${split}; chunks: ${placed.join(", ")}`);
