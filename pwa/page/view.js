// The shell's DOM: boot progress, failure panel, status bar and title.
// Every untrusted string goes in as text, never as HTML.

import { formatBytes } from "../shared/bytes.js";
import { SAVED_AT } from "../shared/saved-views.js";

const $ = (id) => document.getElementById(id);


/** Show one of the main area's views: the frame or one of the panels over it. */
function show(id) {
  for (const view of ["frame", "saved", "welcome", "boot", "elsewhere", "failure"]) $(view).hidden = view !== id;
}

/** Show a boot stage; with loaded/total, a determinate bar ("4.1 MB / 13.4 MB" when bytes). A saved view stays. */
export function showProgress(stage, loaded, total, unit = "") {
  setStatus(`${stage}…`);
  $("saved-stage").textContent = stage;
  $("welcome-stage").textContent = `${stage}…`;
  if (!$("saved").hidden || !$("welcome").hidden) return;
  show("boot");
  $("boot-stage").textContent = stage;
  const bar = /** @type {HTMLProgressElement} */ ($("boot-bar"));
  if (total) {
    bar.max = total;
    bar.value = Math.min(loaded, total);
    $("boot-detail").textContent =
      unit === "bytes" ? `${formatBytes(loaded)} / ${formatBytes(total)}` : `${loaded} of ${total}`;
  } else {
    bar.removeAttribute("value");
    $("boot-detail").textContent = "";
  }
}

/** The frame of the saved view (saved-views.js). */
export const savedFrame = () => /** @type {HTMLIFrameElement} */ ($("saved").querySelector("iframe"));

/** When the view in the saved view's frame was kept, once the frame has drawn it (style sheets loaded); else null. */
export function savedViewDrawn() {
  const page = savedFrame().contentDocument;
  if (page?.readyState !== "complete") return null;
  const kept = page.querySelector(`meta[name="${SAVED_AT}"]`)?.getAttribute("content");
  return kept ? new Date(Number(kept)) : null;
}

/** While Python starts, the page the frame is about to show as it was saved (saved-views.js), marked as such. */
export function showSaved(/** @type {Date} */ savedAt) {
  $("saved-when").textContent = savedAt.toLocaleString();
  show("saved");
  performance.mark("saved view shown"); // benchmarks/ read it
}

/** The welcome (welcome.js), in place of Datasette's home page while the library is empty. */
export function showWelcome() {
  $("welcome-stage").textContent = "";
  setPageTitle("");
  show("welcome");
}

export const welcomeShown = () => !$("welcome").hidden;

/** Hide boot progress and show Datasette's frame; a saved view stays until the frame has drawn the live page. */
export function showFrame() {
  if ($("saved").hidden) return show("frame");
  $("saved-stage").textContent = "Drawing it";
  $("frame").addEventListener("load", () => !$("saved").hidden && show("frame"), { once: true });
}

/** Replace everything with a readable failure, and a Restart button when there is onRestart. */
export function showFailure(message, onRestart) {
  show("failure");
  $("failure-detail").textContent = message;
  $("restart").hidden = !onRestart;
  $("restart").onclick = onRestart;
  setStatus("Datasette stopped");
}

/** This window does not own the library: say where Datasette is and offer to bring it here. */
export function showElsewhere(takeOver) {
  show("elsewhere");
  $("take-over").onclick = () => {
    showProgress("Waiting for the other window");
    takeOver();
  };
  setStatus("Open in another window");
}

export function setStatus(text) {
  $("status").textContent = text;
}

export function setVersions({ datasette, sqlite, pyodide, build }) {
  $("versions").textContent =
    `Datasette ${datasette} · SQLite ${sqlite} · Pyodide ${pyodide} · build ${build}`;
}

/** A new version is installed and waiting: offer it (open databases are safe: every write is already on disk). */
export function offerUpdate(onAccept) {
  $("update").hidden = false;
  $("update-now").onclick = () => {
    /** @type {HTMLButtonElement} */ ($("update-now")).disabled = true;
    onAccept();
  };
}

/** Mirror the framed page's title in the title bar and the window title. */
export function setPageTitle(title) {
  $("page-title").textContent = title;
  document.title = title ? `${title} — Datasette` : "Datasette";
}

/** The recently viewed pages: [{path, title}]; clicking one shows it. */
export function showRecent(pages, open) {
  $("recent").replaceChildren(
    ...pages.map(({ path, title }) => {
      const button = Object.assign(document.createElement("button"), { type: "button", textContent: title, title: path });
      button.onclick = () => open(path);
      const item = document.createElement("li");
      item.append(button);
      return item;
    }),
  );
}

/** A short notice at the bottom of the window that goes away by itself. */
export function toast(text) {
  const note = document.createElement("div");
  note.className = "toast";
  note.setAttribute("role", "status");
  note.textContent = text;
  document.body.append(note);
  setTimeout(() => note.remove(), 5000);
}

export const frame = () => /** @type {HTMLIFrameElement} */ ($("frame"));

/** On phones the sidebar is a menu (shell.css): the title bar's button opens it; choosing anything in it closes it. */
export function bindMenu() {
  const setOpen = (open) => {
    if (open !== document.body.classList.contains("sidebar-open")) document.body.classList.add("sidebar-moving");
    document.body.classList.toggle("sidebar-open", open);
    $("menu").setAttribute("aria-expanded", String(open));
  };
  // A transition cut short (a resize or a second tap while it slides) ends in transitioncancel, not transitionend.
  for (const end of ["transitionend", "transitioncancel"]) {
    $("sidebar").addEventListener(end, (event) =>
      event.target === $("sidebar") && document.body.classList.remove("sidebar-moving"));
  }
  $("menu").onclick = () => setOpen(!document.body.classList.contains("sidebar-open"));
  $("sidebar").addEventListener("click", (event) =>
    /** @type {Element} */ (event.target).closest("button") && setOpen(false));
  $("frame").addEventListener("load", () => setOpen(false));
  addEventListener("keydown", (event) => event.key === "Escape" && setOpen(false));
}
