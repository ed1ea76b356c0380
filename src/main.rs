//! The MiniToolAI web app, mounted into the page `scripts/build-app` writes.

#[cfg(target_arch = "wasm32")]
fn main() {
    minitoolai::app::mount();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the app runs in a browser: build it with `scripts/build-app` (see the README)");
}
