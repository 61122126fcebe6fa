// The shell page: installs the service worker, runs the Datasette worker, relays the service worker's
// requests to it, and shows Datasette's pages in the frame. Path of a page request:
//   frame -> sw.js (relay) -> shell.js -> runtime.js -> worker.js -> python/datasette_pwa -> Datasette
import { Workbox } from "./vendor/workbox-window.mjs";
import { DS_PATH, MSG } from "./protocol.js";
import { Runtime } from "./runtime.js";
import * as view from "./view.js";

// Fixed once: the shell rewrites its own URL to mirror the frame, which would move relative URLs.
const appRoot = new URL("./", document.baseURI);
const dsRoot = new URL(DS_PATH, appRoot);
const runtime = new Runtime(dsRoot.pathname);

/** Register the service worker and wait until it controls this page, showing the first download. */
async function installServiceWorker() {
  if (!("serviceWorker" in navigator)) throw new Error("This browser has no service workers: use Chrome, Edge or Chromium.");
  const firstInstall = !navigator.serviceWorker.controller;
  const wb = new Workbox(new URL("sw.js", appRoot).href);
  wb.addEventListener("controlling", (event) => {
    if (!event.isUpdate && firstInstall) view.toast("Ready to work offline");
  });
  navigator.serviceWorker.addEventListener("message", ({ data, ports }) => {
    if (data.type === MSG.REQUEST) runtime.relay(data, ports[0]);
    else if (data.type === MSG.PRECACHE_PROGRESS && firstInstall) {
      view.showProgress("Downloading the app", data.loaded, data.total, "bytes");
    }
  });
  navigator.serviceWorker.startMessages();
  if (firstInstall) view.showProgress("Downloading the app");
  await wb.register();
  if (!navigator.serviceWorker.controller) {
    await new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
  }
}

/** Boot Datasette and show the page this window was opened at (or Datasette's home page). */
async function startDatasette() {
  view.showProgress("Starting Python");
  runtime.addEventListener("progress", ({ detail }) => view.showProgress(detail.stage, detail.loaded, detail.total));
  runtime.addEventListener("crash", ({ detail }) => view.showFailure(detail.error.message, restart));
  view.setVersions(await runtime.start());
  showPage(initialPage());
  view.setStatus("Ready");
}

async function restart() {
  if (!navigator.serviceWorker?.controller) return location.reload();
  view.showProgress("Restarting Datasette");
  try {
    view.setVersions(await runtime.start());
    showPage(initialPage());
    view.setStatus("Ready");
  } catch (error) {
    view.showFailure(error.message, restart);
  }
}

/** The Datasette URL in the address bar (bookmark, reload), else Datasette's home page. */
function initialPage() {
  return location.pathname.startsWith(dsRoot.pathname) ? location.href : dsRoot.href;
}

function showPage(url) {
  view.frame().src = url;
  view.showFrame();
}

/** Keep the address bar, title and database list in step with the framed page. */
function followFrame() {
  const frame = view.frame();
  frame.addEventListener("load", async () => {
    const page = frame.contentWindow.location;
    if (!page.pathname.startsWith(dsRoot.pathname)) return;
    history.replaceState(null, "", page.href);
    view.setPageTitle(frame.contentDocument.title);
    await refreshDatabases();
  });
}

async function refreshDatabases() {
  const response = await fetch(new URL("-/databases.json", dsRoot));
  if (!response.ok) return;
  const { databases } = await response.json();
  view.setDatabases(databases, (route) => showPage(new URL(route, dsRoot).href));
}

async function main() {
  followFrame();
  try {
    await installServiceWorker();
    await startDatasette();
  } catch (error) {
    view.showFailure(error.message, restart);
  }
}

main();
