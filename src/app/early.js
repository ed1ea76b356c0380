// Runs in the head of index.html, before the first paint (a file: the policy forbids inline
// scripts). The page shows a message box while the app's wasm is on its way
// (#early-composer); it takes text at once, with the unsent draft of the conversation that
// was open, and the app takes it over when it starts (src/app/early.rs). Until then Enter
// and Send do not send: they say so, and the text stays.
(() => {
  const root = document.documentElement;
  const read = (storage, slot) => {
    try {
      return storage.getItem(slot);
    } catch {
      return null; // storage refused (a private window's policy)
    }
  };
  // The theme chosen in Settings, as the app last applied it: the page is drawn in it from
  // the first paint (the stored settings are read only once the app runs).
  const theme = read(localStorage, "minitoolai.theme");
  if (theme === "light" || theme === "dark" || theme === "system") root.dataset.theme = theme;
  // The Images page has no message box.
  const studio = location.hash === "#studio";
  if (studio) root.classList.add("early-studio");
  // As in the app: on a touch keyboard Enter adds a line and the Send button sends; the
  // cursor starts in the box on a desktop only (on a phone it would pop the keyboard).
  const touch = matchMedia("(pointer: coarse)").matches;
  const wait = () => {
    const note = document.getElementById("early-note");
    if (note) note.textContent = "Sending works in a moment, once the app has loaded. What you wrote is kept.";
  };
  document.addEventListener("keydown", (e) => {
    if (e.target?.id !== "early-composer") return;
    if (e.key !== "Enter" || e.shiftKey || e.isComposing || e.keyCode === 229 || touch) return;
    e.preventDefault();
    wait();
  });
  document.addEventListener("click", (e) => {
    if (e.target?.id === "early-send") wait();
  });
  // The box, as soon as the parser has made it: the open conversation's draft, as the app
  // keeps it (this tab's own, else the latest of any tab), and what it showed, for the app.
  const fill = (box) => {
    const open = read(localStorage, "minitoolai.openConversation");
    if (open) {
      const slot = `minitoolai.draft.${open}`;
      const draft = read(sessionStorage, slot) ?? read(localStorage, slot) ?? "";
      box.value = draft;
      box.dataset.conversation = open;
      box.dataset.shown = draft;
    }
    if (!touch) box.placeholder = "Message (Enter to send, Shift+Enter for a new line)";
    if (!touch && !studio) {
      const focus = () => {
        box.focus();
        box.setSelectionRange(box.value.length, box.value.length);
      };
      focus();
      // Not laid out yet while the page is parsed: once it is.
      if (document.activeElement !== box) requestAnimationFrame(() => document.activeElement === document.body && focus());
    }
  };
  const found = () => {
    const box = document.getElementById("early-composer");
    if (box) fill(box);
    return box !== null;
  };
  const watch = new MutationObserver(() => found() && watch.disconnect());
  watch.observe(root, { childList: true, subtree: true });
})();
