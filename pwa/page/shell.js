// The shell page: installs the service worker, runs the Datasette worker, relays the service worker's
// requests to it, and shows Datasette's pages in the frame. Path of a page request:
//   frame -> sw.js (relay) -> shell.js -> runtime.js -> worker.js -> python/datasette_pwa -> Datasette
import { Workbox } from "workbox-window";
import { showAbout } from "./about.js";
import { LibraryActions } from "./library-actions.js";
import { ask, notice } from "./library-view.js";
import * as crashCounts from "./crash-counts.js";
import { askForUrl, confirmUrl } from "./open-url.js";
import { acceptDrops, acceptLaunches, pickFiles } from "./opening.js";
import { ownLibrary } from "./ownership.js";
import { recentPages, remember } from "./recent.js";
import * as savedView from "./saved-view.js";
import { saveCurrent } from "./saving.js";
import * as settings from "./settings.js";
import { bindShortcuts, jumpTo } from "./shortcuts.js";
import { datasettePageAt, DS_PATH, MSG } from "../shared/protocol.js";
import { Runtime } from "./runtime.js";
import * as view from "./view.js";
import { bindWelcome, firstVisit, follow } from "./welcome.js";
/** @import { FaultMessage, FromServiceWorker, ProgressMessage } from "../shared/protocol.js" */

// Offline, a check fails quietly and costs nothing.
const UPDATE_CHECK_MS = 60 * 60 * 1000;

// Fixed once: the shell rewrites its own URL to mirror the frame, which would move relative URLs.
const appRoot = new URL("./", document.baseURI);
const dsRoot = new URL(DS_PATH, appRoot);
const runtime = new Runtime(dsRoot.pathname);
const library = new LibraryActions(runtime, (path) => showPage(new URL(path, appRoot).href));
let ownership; // ownership.js: whether this window runs Datasette on the library
/** Register the service worker and wait until it controls this page, showing the first download. */
async function installServiceWorker() {
  if (!("serviceWorker" in navigator)) throw new Error("This browser has no service workers (a private window may turn them off): use a current Chrome, Edge, Firefox or Safari.");
  const firstInstall = !navigator.serviceWorker.controller;
  let controlled = !firstInstall;
  // Every window of the old version reloads into the new one, whichever window accepted the update; a window of a
  // first visit, once the first version controls it, too (Workbox's "controlling" event calls that no update).
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (controlled) location.reload();
    else view.toast("Ready to work offline");
    controlled = true;
  });
  const wb = new Workbox(new URL("sw.js", appRoot).href);
  wb.addEventListener("waiting", () => view.offerUpdate(() => wb.messageSkipWaiting()));
  navigator.serviceWorker.addEventListener("message", (/** @type {MessageEvent<FromServiceWorker>} */ { data, ports }) => {
    if (data.type === MSG.REQUEST) runtime.relay(data, ports[0]);
    else if (data.type === MSG.WHO_OWNS) ports[0].postMessage(runtime.running);
    else if (data.type === MSG.PRECACHE_PROGRESS && firstInstall) {
      view.showProgress("Downloading the app", data.loaded, data.total, "bytes");
    }
  });
  navigator.serviceWorker.startMessages();
  if (firstInstall) view.showProgress("Downloading the app");
  // Not after the window's load event (Workbox's default): that waits for the saved view's frame to draw, and the
  // worker starts only once this window holds the library (0.4-0.5 s later, measured on a warm start).
  await wb.register({ immediate: true });
  // The browser looks for a new version only on navigation; an app window can stay open for days.
  setInterval(() => wb.update().catch(() => {}), UPDATE_CHECK_MS);
  if (!navigator.serviceWorker.controller) {
    await new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
  }
}

/**
 * Boot Datasette on the library and show the page this window was opened at (or Datasette's home page); meanwhile
 * that page as it was saved, if nothing it shows has changed since (saved-views.js).
 */
async function startDatasette() {
  view.showProgress("Starting Python");
  const { versions, notices } = await runtime.start(settings.load(), crashCounts.setAside());
  navigator.serviceWorker.controller.postMessage({ type: MSG.OWNER });
  view.setVersions(versions);
  document.getElementById("about").onclick = () => showAbout(runtime, versions);
  document.getElementById("settings").onclick = () => settings.edit(runtime);
  notices.forEach((text) => notice(text, "warning"));
  // The page first: the sidebar's library fills in while Datasette renders it. A welcome shown while Python started
  // stays if the library is empty (welcome.js), over the home page loading behind it.
  savedView.withdraw();
  if (view.welcomeShown()) view.frame().src = initialPage();
  else showPage(initialPage());
  await library.refresh();
  setLibraryEnabled(true);
  view.setStatus("Ready");
}

/** Another window took the library over: let go of it. */
function stopDatasette() {
  runtime.stop("Datasette moved to another window.");
  setLibraryEnabled(false);
}

function setLibraryEnabled(enabled) {
  const welcome = ["welcome-open", "welcome-new", "welcome-url", "welcome-sample"];
  for (const id of ["open-database", "new-database", "open-url", "open-in-place", ...welcome]) {
    /** @type {HTMLButtonElement} */ (document.getElementById(id)).disabled = !enabled;
  }
}

/** The ways to open files. Files given to a window that does not own the library make it take over first. */
function acceptFiles() {
  const openFiles = async (items) => {
    if (!items.length) return;
    await ownership.owned.catch(() => false); // this window may still be booting
    if (!runtime.running) await ownership.takeOver();
    await library.open(items);
  };
  const open = async () => openFiles(await pickFiles(document.getElementById("file-input")));
  runAddressActions(open);
  document.getElementById("open-database").onclick = open;
  document.getElementById("new-database").onclick = () => library.create();
  document.getElementById("open-url").onclick = () => askForUrl(library);
  bindWelcome(library, { open, create: () => library.create(), askForUrl: () => askForUrl(library) });
  document.getElementById("open-in-place").onclick = async () => {
    const items = await pickFiles(document.getElementById("file-input"));
    if (items.length) await library.open(items, { inPlace: true });
  };
  const whenRunning = (action) => () => runtime.running && action();
  bindShortcuts(view.frame(), {
    o: whenRunning(open),
    s: whenRunning(() => saveCurrent(library, view.frame().contentWindow.location.pathname)),
    n: whenRunning(() => library.create()),
    k: whenRunning(() => jumpTo(view.frame())),
  });
  acceptDrops(document.getElementById("drop-overlay"), view.frame(), openFiles);
  acceptLaunches(openFiles);
}

/**
 * What the address asks for: ?url=, ?csv= or ?json= (as in Datasette Lite) open that file from the web, once the user
 * says yes, in the window that owns the library; the installed app's shortcuts (manifest "shortcuts") open it at
 * ?action=new or ?action=open.
 */
async function runAddressActions(open) {
  const params = new URLSearchParams(location.search);
  const action = params.get("action");
  const url = ["url", "csv", "json"].map((key) => params.get(key)).find((value) => value !== null);
  const owner = await ownership.owned.catch(() => false);
  if (url !== undefined && owner) confirmUrl(library, url);
  else if (url !== undefined) {
    ownership.send({ openUrl: url });
    notice(`The file at ${url} waits for your yes in the app's other window, which has your databases.`);
  }
  if (!owner) return;
  if (action === "new") library.create();
  // A file picker needs a click (user activation): ask for one.
  else if (action === "open" && (await ask({ title: "Open a database", buttons: [{ label: "Choose a file…", value: "open" }] }))) {
    open();
  }
}

/** Start Datasette again, in the window that owns the library only: a second worker could not open its files. */
async function restart() {
  if (!navigator.serviceWorker?.controller) return location.reload();
  if (!ownership?.holds()) return;
  view.showProgress("Restarting Datasette");
  try {
    view.setVersions((await runtime.start(settings.load(), crashCounts.setAside())).versions);
    showPage(initialPage());
    await library.refresh();
    view.setStatus("Ready");
  } catch (error) {
    view.showFailure(error.message, restart);
  }
}

/** The Datasette URL in the address bar (bookmark, reload), else Datasette's home page. */
const initialPage = () => datasettePageAt(location.href, dsRoot.href);

function showPage(url) {
  view.frame().src = url;
  view.showFrame();
}

const goTo = (path) => library.goTo(path);

/** Whether the frame shows (or is loading) Datasette's home page. */
function frameAtHome() {
  const frame = view.frame();
  const shown = frame.contentWindow?.location.href;
  const page = shown && shown !== "about:blank" ? shown : frame.src;
  return Boolean(page) && new URL(page).pathname === dsRoot.pathname;
}

/** Keep the address bar and title in step with the framed page. */
function followFrame() {
  const frame = view.frame();
  frame.addEventListener("load", async () => {
    const page = frame.contentWindow.location;
    if (!page.pathname.startsWith(dsRoot.pathname)) return;
    history.replaceState(null, "", page.href);
    const path = page.pathname + page.search;
    // The welcome stands for the home page only: another page (a Recent one, say) takes its place.
    if (view.welcomeShown() && path !== dsRoot.pathname) view.showFrame();
    if (!view.welcomeShown()) view.setPageTitle(frame.contentDocument.title); // the welcome hides the home page
    library.bindPageActions(frame.contentDocument);
    if (path !== dsRoot.pathname) view.showRecent(remember(path, frame.contentDocument.title), goTo);
  });
}

/** Nothing fails silently: an error that nothing else reported, here, in the worker or in the service worker. */
function reportFaults() {
  const show = (where, message) => {
    notice(`Something went wrong in the ${where}: ${message}`, "error");
    view.setStatus(`Error in the ${where}`);
  };
  window.addEventListener("unhandledrejection", (event) => show("app", event.reason?.message ?? String(event.reason)));
  window.addEventListener("error", (event) => show("app", event.message));
  runtime.addEventListener("fault", (/** @type {CustomEvent<FaultMessage>} */ { detail }) =>
    show(detail.where, detail.message));
  navigator.serviceWorker?.addEventListener("message", (/** @type {MessageEvent<FromServiceWorker>} */ { data }) =>
    data.type === MSG.FAULT && show(data.where, data.message));
}

async function main() {
  // The shell never runs inside another page: a page of another site (or port) could then drive it (clickjacking).
  // The service worker's frame-ancestors header stops that once installed; this stops it on the very first load.
  if (window.top !== window) {
    view.showFailure("Datasette cannot run inside another page. Open it in its own window.");
    return;
  }
  reportFaults();
  view.bindMenu();
  followFrame();
  view.showRecent(recentPages(), goTo);
  library.onListed = (databases) => follow(databases, frameAtHome(), runtime.persistent);
  if (firstVisit() && initialPage() === dsRoot.href) {
    savedView.withdraw(); // a saved view of the home page of an empty library shows nothing but _memory
    view.showWelcome();
  }
  runtime.addEventListener("progress", (/** @type {CustomEvent<ProgressMessage>} */ { detail }) =>
    view.showProgress(detail.stage, detail.loaded, detail.total));
  runtime.addEventListener("crash", (/** @type {CustomEvent<{error: Error, urls: string[], deliberate?: true}>} */ { detail }) => {
    crashCounts.crashed(detail.urls, library.databases);
    // A deliberate stop (runtime.interrupt) is reported by whoever asked for it.
    if (!detail.deliberate) notice(`Datasette stopped (${detail.error.message}) and was restarted. A page that was loading may need a reload.`, "error");
    restart();
  });
  runtime.addEventListener("answered", (/** @type {CustomEvent<{url: string}>} */ { detail }) =>
    crashCounts.answered(detail.url, library.databases));
  savedView.showWhenDrawn();
  try {
    const installed = installServiceWorker();
    // A returning start claims the library without waiting for the registration (50-90 ms on a warm start, measured):
    // the service worker that answers Datasette's pages already controls this page. A first visit waits for its own.
    if (!navigator.serviceWorker?.controller) await installed;
    ownership = ownLibrary({
      start: startDatasette,
      stop: stopDatasette,
      elsewhere: (takeOver) => {
        savedView.withdraw();
        view.showElsewhere(takeOver);
      },
      received: (message) => message.openUrl !== undefined && confirmUrl(library, message.openUrl),
    });
    acceptFiles();
    await Promise.all([installed, ownership.owned]);
  } catch (error) {
    view.showFailure(error.message, restart);
  }
}

main();
