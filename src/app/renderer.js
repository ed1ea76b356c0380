// Fetches the renderer module (src/render.rs, built by scripts/build-render as its own wasm
// file), named by `<meta name="minitoolai-render">` in index.html: the app asks for it right
// after its first paint, so the first load does not carry the markdown parser, math and
// highlighting. Until it is here, messages show their text as it is.

let module = null;
let loading = null;

/** Starts fetching the renderer (once); resolves true when it is ready, false if it cannot be had. */
export function loadRenderer() {
  if (!loading) {
    const meta = document.querySelector('meta[name="minitoolai-render"]');
    if (!meta) {
      loading = Promise.resolve(false);
      return loading;
    }
    const js = new URL(meta.content, document.baseURI);
    const wasm = new URL(js.pathname.replace(/\.js$/, "_bg.wasm"), js);
    loading = import(js.href)
      .then(async (m) => {
        await m.default({ module_or_path: wasm });
        module = m;
        return true;
      })
      .catch((e) => {
        console.error("the markdown renderer could not be loaded", e);
        loading = null;
        return false;
      });
  }
  return loading;
}

/** A renderer drawing into `root`, or undefined while the module is not here. */
export function newRenderer(root) {
  return module ? new module.Renderer(root) : undefined;
}

/** The words of a markdown answer to read aloud (the text as it is while the module is not here). */
export function speechText(markdown) {
  return module ? module.speechText(markdown) : markdown;
}
