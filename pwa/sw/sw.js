// The service worker: Workbox precaches the whole app, and every request under <scope>ds/ is relayed
// to the Datasette worker through an open app window. build.py bundles this file with esbuild, then
// workbox-cli injects the precache manifest.
import { clientsClaim } from "workbox-core";
import { addPlugins, matchPrecache, precacheAndRoute } from "workbox-precaching";
import { datasettePageAt, DS_PATH, MSG } from "../shared/protocol.js";
import * as savedViews from "../shared/saved-views.js";
import { findShell, noteOwner } from "./sw-owner.js";
/**
 * @import { BodyMessage, FaultMessage, PrecacheProgressMessage, RequestMessage, ResponseMessage } from "../shared/protocol.js"
 */

// Boot takes seconds; a cold first visit on a slow disk can take much longer. Past this, say so on the page.
const RELAY_TIMEOUT_MS = 120_000;
// The total size of the precache, set by build.py, so the first visit can show "Downloading 4.1 / 17 MB".
const PRECACHE_BYTES = globalThis.PRECACHE_BYTES ?? 0;
// Datasette's own static files carry a content hash (?_hash=...) and plugins' change only with a build, so once
// relayed they can be kept: pages then load their CSS and JavaScript without a trip through Python. One cache per
// build, the old ones dropped on activation.
const STATIC_CACHE = `datasette-static-${globalThis.BUILD_ID}`;

// Requests Datasette treats as reads; others, and those that put a page in a frame, must come from the app's own pages.
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const FRAMES = new Set(["iframe", "frame", "object", "embed"]);
// A window that closes sends no word (MessagePort has no close event in every engine): while an answer streams, the
// window sending it is looked for this often, and once it is gone the stream fails (within the minute issue 23 allows).
const OWNER_CHECK_MS = 10_000;

// This service worker's global scope, as TypeScript knows it: its WebWorker lib types `self` as any worker's.
const sw = /** @type {ServiceWorkerGlobalScope & typeof globalThis} */ (self);

const dsPrefix = new URL(DS_PATH, sw.registration.scope).pathname;
const savedViewsPath = savedViews.pathIn(sw.registration.scope);
let nextId = 1;

sw.addEventListener("message", (event) => {
  if (event.data?.type === MSG.OWNER) noteOwner(/** @type {Client} */ (event.source).id); // a window
  // workbox-window's messageSkipWaiting(), sent when the user accepts an update.
  if (event.data?.type === "SKIP_WAITING") sw.skipWaiting();
});

addPlugins([
  {
    fetchDidSucceed: async ({ response }) => countDownload(response),
    // The one precached page is the shell (index.html, at the scope with any query string).
    handlerWillRespond: async ({ request, response }) =>
      request.mode === "navigate" && response.headers.get("content-type")?.startsWith("text/html")
        ? shell(response, request.url)
        : response,
  },
]);
// Any query string names the same file: the shell at ?url=…, ?action=new (the manifest's shortcuts) must load offline.
// workbox-cli replaces the text `self.__WB_MANIFEST` with the precache list: it stays as it is.
precacheAndRoute(/** @type {typeof sw} */ (self).__WB_MANIFEST, { ignoreURLParametersMatching: [/.*/] });
clientsClaim();

sw.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== sw.location.origin) return;
  if (url.pathname === savedViewsPath) {
    const answer = () => savedViews.answer(event.request, globalThis.BUILD_ID);
    return event.respondWith(fromThisApp(event).then((ok) => (ok ? answer() : refuse())));
  }
  if (!url.pathname.startsWith(dsPrefix)) return;
  // A top-level visit to a Datasette URL (bookmark, reload, new window) gets the shell, which shows it in its frame.
  if (event.request.mode === "navigate" && event.request.destination === "document") {
    event.respondWith(shellPage(event.request));
  } else if (
    (url.pathname.startsWith(`${dsPrefix}-/static/`) && url.searchParams.has("_hash")) ||
    url.pathname.startsWith(`${dsPrefix}-/static-plugins/`)
  ) {
    event.respondWith(staticFile(event.request));
  } else {
    event.respondWith(fromThisApp(event).then((ok) => (ok ? relay(event.request) : refuse())));
  }
});

/**
 * Datasette sees every relayed request as the local owner's, so a write must come from this app: a fetch from one of
 * its pages, or a form navigation whose referrer is one, inside the app's scope (the origin may be shared with other
 * projects' pages). A page framed by another project's page could be driven by its scripts, so a frame's navigation
 * needs that referrer too: frame-ancestors cannot say so, as CSP matches the framing pages' origins alone (CSP Level
 * 3; measured in Chromium: a policy naming the scope's path refused the app's own frame).
 */
async function fromThisApp(event) {
  const { method, destination, referrer, mode } = event.request;
  if (SAFE_METHODS.has(method) && !FRAMES.has(destination)) return true;
  // A navigation's clientId is not who started it (measured in Chromium: the document the frame showed before, which
  // may be the app's own after any earlier navigation there), so its referrer tells.
  const client = mode !== "navigate" && event.clientId ? await sw.clients.get(event.clientId) : null;
  return (client ? client.url : referrer).startsWith(sw.registration.scope);
}

const refuse = () => errorPage(403, "Refused", "Only this app's own pages can change your databases or show its pages.");

// Nothing fails silently: an error here that no response reported reaches every window's status bar.
for (const kind of ["error", "unhandledrejection"]) {
  // An ErrorEvent or a PromiseRejectionEvent: the fields of either.
  sw.addEventListener(kind, async (/** @type {Partial<ErrorEvent & PromiseRejectionEvent>} */ event) => {
    const error = event.reason ?? event.error ?? event.message;
    /** @type {FaultMessage} */
    const fault = { type: MSG.FAULT, where: "service worker", message: String(error?.message ?? error) };
    for (const client of await sw.clients.matchAll({ type: "window", includeUncontrolled: true })) client.postMessage(fault);
  });
}

sw.addEventListener("activate", (event) => {
  const old = (names) => names.filter((n) => n.startsWith("datasette-static-") && n !== STATIC_CACHE);
  event.waitUntil(caches.keys().then((names) => Promise.all(old(names).map((n) => caches.delete(n)))));
});

/** A Datasette or plugin static file: from the cache, else relayed once and kept. */
async function staticFile(request) {
  const cache = await caches.open(STATIC_CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await relay(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

/** The shell for a visit to a Datasette URL (a bookmark, a reload, a new window): it shows that page in its frame. */
async function shellPage(/** @type {Request} */ request) {
  return shell(await matchPrecache("index.html"), request.url);
}

/**
 * The shell's index.html as visited at url: its base set to the app's scope, so its relative URLs work at any depth;
 * its saved view's frame already pointed at the view of the page it opens (saved-views.js), so that is asked for as the
 * HTML is parsed; and a policy that no other origin may frame it (a meta tag cannot say that): a page of another site
 * or port must not drive it, e.g. frame `?url=…` and have the user click Open. shell.js itself refuses to run in any
 * frame, on the uncontrolled first load too.
 * @param {Response} response index.html
 * @param {string} url
 */
async function shell(response, url) {
  const scope = sw.registration.scope;
  const saved = savedViews.addressOf(datasettePageAt(url, new URL(DS_PATH, scope).href), scope);
  const html = (await response.text())
    .replace('<base href="./">', `<base href="${scope}">`)
    .replace(savedViews.FRAME_PLACEHOLDER, `src="${saved}"`);
  const headers = new Headers(response.headers);
  headers.set("content-security-policy", "frame-ancestors 'self'");
  return new Response(html, { status: response.status, statusText: response.statusText, headers });
}

/** Send the request to the Datasette worker and turn its answer into a real Response. */
async function relay(request) {
  const body = ["GET", "HEAD"].includes(request.method) ? null : await request.arrayBuffer();
  let reply, port, shell;
  do {
    shell = await findShell(RELAY_TIMEOUT_MS);
    if (!shell) return errorPage(503, "The app is not open", "Open the app's window, then reload this page.");
    [reply, port] = await ask(shell, request, body?.slice(0));
    if (reply.notOwner) noteOwner(null); // it handed the library to another window since
  } while (reply.notOwner);
  if (reply.error) return errorPage(500, "Datasette could not answer", reply.error);
  const nullBody = reply.status === 304 || reply.status === 204;
  if (nullBody || !reply.more) port.close();
  const content = nullBody ? null : reply.more ? streamed(reply, port, shell.id) : reply.body;
  const headers = new Headers(reply.headers);
  // Datasette's table and row pages say "no-referrer": kept for other sites, not for the app's own (fromThisApp).
  if (headers.has("referrer-policy")) headers.set("referrer-policy", "same-origin");
  return new Response(content, { status: reply.status, headers });
}

/**
 * Post one request to a shell; resolves [first message of the answer, the reply port the rest comes on].
 * @param {Client} shell
 * @param {Request} request
 * @param {ArrayBuffer | null} body
 * @returns {Promise<[ResponseMessage, MessagePort]>}
 */
function ask(shell, request, body) {
  const { method, url } = request;
  const navigate = request.mode === "navigate";
  /** @type {RequestMessage} */
  const message = { type: MSG.REQUEST, id: nextId++, method, url, headers: [...request.headers], body, navigate };
  const { port1, port2 } = new MessageChannel();
  const answer = new Promise((resolve) => {
    port1.onmessage = ({ data }) => resolve(data);
    setTimeout(() => resolve({ error: `No answer from Datasette after ${RELAY_TIMEOUT_MS / 1000} seconds.` }), RELAY_TIMEOUT_MS);
  });
  shell.postMessage(message, body ? [port2, body] : [port2]);
  return answer.then((reply) => {
    if (reply.error || reply.notOwner) port1.close();
    return [reply, port1];
  });
}

// Chunks of a streamed answer kept here before the reader takes them; with the worker's own IN_FLIGHT, the most a
// slow reader (a download to a slow disk) ever leaves in memory.
const QUEUED_CHUNKS = 4;

/**
 * The body of an answer Datasette streams: its chunks as they come, each ACKed once the reader has room for more. It
 * fails if the window answering (shellId) goes away, whether the reader is waiting for more or paused.
 * @param {ResponseMessage} reply
 * @param {MessagePort} port
 * @param {string} shellId
 */
function streamed(reply, port, shellId) {
  let owed = 0; // chunks received but not yet ACKed
  let watch;
  const ack = () => port.postMessage({ type: MSG.ACK, id: reply.id });
  const end = () => {
    clearInterval(watch);
    watch = null;
    port.close();
  };
  return new ReadableStream(
    {
      start(controller) {
        controller.enqueue(new Uint8Array(reply.body));
        port.onmessage = (/** @type {MessageEvent<BodyMessage>} */ { data }) => {
          if (data.error !== undefined) controller.error(new Error(data.error));
          else if (data.end) controller.close();
          else {
            controller.enqueue(new Uint8Array(data.chunk));
            if (controller.desiredSize > 0) ack();
            else owed++;
            return;
          }
          end();
        };
        watch = setInterval(async () => {
          if ((await sw.clients.get(shellId)) || !watch) return; // there, or the stream ended meanwhile
          controller.error(new Error("The app's window that was sending this answer closed before its end."));
          end();
        }, OWNER_CHECK_MS);
      },
      pull() {
        for (; owed > 0; owed--) ack();
      },
      cancel() {
        port.postMessage({ type: MSG.CANCEL, id: reply.id });
        end();
      },
    },
    { highWaterMark: QUEUED_CHUNKS },
  );
}

/** A readable error page for what Datasette itself cannot report. */
function errorPage(status, title, detail) {
  const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const html = `<!doctype html><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font:15px system-ui,sans-serif;margin:2rem;color:#222}pre{white-space:pre-wrap;background:#f4f4f4;padding:1rem}</style>
<h1>${escape(title)}</h1><pre>${escape(detail)}</pre><p>Use <b>Restart</b> in the app's status bar to start Datasette again.</p>`;
  return new Response(html, { status, headers: { "content-type": "text/html; charset=utf-8" } });
}

let downloaded = 0, lastReport = 0;

/** Count bytes of each precache download as it streams, and tell the windows how far the first install is. */
function countDownload(response) {
  if (!response.body) return response;
  const counter = new TransformStream({
    transform(chunk, controller) {
      downloaded += chunk.byteLength;
      reportDownload(false);
      controller.enqueue(chunk);
    },
    flush: () => reportDownload(true),
  });
  return new Response(response.body.pipeThrough(counter), response);
}

async function reportDownload(force) {
  if (!force && Date.now() - lastReport < 100) return;
  lastReport = Date.now();
  /** @type {PrecacheProgressMessage} */
  const message = { type: MSG.PRECACHE_PROGRESS, loaded: downloaded, total: PRECACHE_BYTES };
  for (const w of await sw.clients.matchAll({ type: "window", includeUncontrolled: true })) w.postMessage(message);
}
