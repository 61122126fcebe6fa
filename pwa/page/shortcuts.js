// Desktop keyboard shortcuts, wherever the focus is (the shell, or Datasette's page in the frame):
// Ctrl/Cmd+O open, Ctrl/Cmd+S save back, Ctrl/Cmd+N new database, Ctrl/Cmd+K jump to a database or table.

/** actions: {o, s, n, k} functions; each runs only when its key is pressed with Ctrl (or Cmd) alone. */
export function bindShortcuts(frame, actions) {
  const onKey = (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
    const action = actions[event.key.toLowerCase()];
    if (!action) return;
    event.preventDefault();
    action();
  };
  window.addEventListener("keydown", onKey);
  // Keys typed while Datasette's page has focus go to the frame's window.
  frame.addEventListener("load", () => frame.contentWindow.addEventListener("keydown", onKey));
}

/** Open Datasette's own "Jump to…" search (its <navigation-search> element) on the framed page. */
export function jumpTo(frame) {
  frame.contentWindow.focus();
  frame.contentDocument.querySelector("navigation-search")?.openMenu();
}
