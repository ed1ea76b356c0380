// Runs in the head of index.html, before the first paint (a file: the policy forbids inline
// scripts). The page shows a message box while the app's wasm is on its way
// (#early-composer); it takes text at once, and the app takes that text over when it starts
// (src/app/early.rs). Until then Enter does not send: it says so, and the text stays.
(() => {
  const root = document.documentElement;
  // The theme chosen in Settings, as the app last applied it: the page is drawn in it from
  // the first paint (the stored settings are read only once the app runs).
  try {
    const theme = localStorage.getItem("minitoolai.theme");
    if (theme === "light" || theme === "dark" || theme === "system") root.dataset.theme = theme;
  } catch {
    // Storage refused (a private window's policy): the system's theme, as index.html says.
  }
  // The Images page has no message box.
  if (location.hash === "#studio") root.classList.add("early-studio");
  // As in the app: on a touch keyboard Enter adds a line and the Send button sends.
  const touch = matchMedia("(pointer: coarse)").matches;
  document.addEventListener("keydown", (e) => {
    if (e.target?.id !== "early-composer") return;
    if (e.key !== "Enter" || e.shiftKey || e.isComposing || e.keyCode === 229 || touch) return;
    e.preventDefault();
    const note = document.getElementById("early-note");
    if (note) note.textContent = "Sending works in a moment, once the app has loaded. What you wrote is kept.";
  });
  if (!touch) {
    document.addEventListener("DOMContentLoaded", () => {
      const box = document.getElementById("early-composer");
      if (box) box.placeholder = "Message (Enter to send, Shift+Enter for a new line)";
    }, { once: true });
  }
})();
