// The message box index.html shows while the app's wasm is on its way (#early-composer):
// it takes text at once, and the app takes that text over when it starts (src/app/early.rs).
// Until then Enter does not send: it says so, and the text stays.
(() => {
  const box = document.getElementById("early-composer");
  if (!box) return;
  // The Images page has no message box.
  if (location.hash === "#studio") {
    document.getElementById("boot")?.classList.add("no-composer");
    return;
  }
  // As in the app: on a touch keyboard Enter adds a line and the Send button sends.
  const touch = matchMedia("(pointer: coarse)").matches;
  if (!touch) box.placeholder = "Message (Enter to send, Shift+Enter for a new line)";
  box.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || e.shiftKey || e.isComposing || e.keyCode === 229 || touch) return;
    e.preventDefault();
    const note = document.getElementById("early-note");
    if (note) note.textContent = "Sending works in a moment, once the app has loaded. What you wrote is kept.";
  });
})();
