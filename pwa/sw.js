// The service worker: Workbox precaches the whole app, and every request under <scope>ds/ is relayed
// to the Datasette worker through an open app window. build.py bundles this file with esbuild, then
// workbox-cli injects the precache manifest.
import { clientsClaim } from "workbox-core";
import { addPlugins, matchPrecache, precacheAndRoute } from "workbox-precaching";
import { datasettePageAt, DS_PATH, MSG } from "./protocol.js";
import * as savedViews from "./saved-views.js";
/**
 * @import { BodyMessage, FaultMessage, PrecacheProgressMessage, RequestMessage, ResponseMessage } from "./protocol.js"
 */

// Boot takes seconds; a cold first visit on a slow disk can take much longer. Past this, say so on the page.
const RELAY_TIMEOUT_MS = 120_000;
// The total size of the precache, set by build.py, so the first visit can show "Downloading 4.1 / 17 MB".
const PRECACHE_BYTES = globalThis.PRECACHE_BYTES ?? 0;
// Datasette's own static files carry a content hash (?_hash=...) and plugins' change only with a build, so once
// relayed they can be kept: pages then load their CSS and JavaScript without a trip through Python. One cache per
// build, the old ones dropped on activation.
const STATIC_CACHE = `datasette-static-${globalThis.BUILD_ID}`;

// Requests Datasette treats as reads; any other method must come from this app's own pages.
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

// This service worker's global scope, as TypeScript knows it: its WebWorker lib types `self` as any worker's.
const sw = /** @type {ServiceWorkerGlobalScope & typeof globalThis} */ (self);

const dsPrefix = new URL(DS_PATH, sw.registration.scope).pathname;
const savedViewsPath = savedViews.pathIn(sw.registration.scope);
let nextId = 1;
// The window whose worker serves the library; forgotten when this service worker restarts, then asked for again.
let ownerId = null;

sw.addEventListener("message", (event) => {
  if (event.data?.type === MSG.OWNER) ownerId = /** @type {Client} */ (event.source).id; // a window
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
    event.respondWith(savedViews.answer(event.request, globalThis.BUILD_ID));
    return;
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
 * Datasette sees every relayed request as the local owner's, so a write must come from this app: a fetch from
 * one of its pages, or a form navigation whose referrer is this origin. A page on another site cannot forge either.
 */
async function fromThisApp(event) {
  if (SAFE_METHODS.has(event.request.method)) return true;
  const client = event.clientId ? await sw.clients.get(event.clientId) : null;
  const source = client ? client.url : event.request.referrer;
  return URL.canParse(source) && new URL(source).origin === sw.location.origin;
}

function refuse() {
  return errorPage(403, "Refused", "Only this app's own pages can change your databases.");
}

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
  event.waitUntil(
    caches.keys().then((names) =>
      Promise.all(names.filter((n) => n.startsWith("datasette-static-") && n !== STATIC_CACHE).map((n) => caches.delete(n))),
    ),
  );
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
 * or port must not drive it, e.g. frame `?url=…` and have the user click Open. shell.js refuses the uncontrolled first
 * load.
 * @param {Response} response index.html
 * @param {string} url
 */
async function shell(response, url) {
  const scope = sw.registration.scope;
  const saved = savedViews.addressOf(datasettePageAt(url, new URL(DS_PATH, scope).href), scope);
  const html = (await response.text())
    .replace('<base href="./">', `<base href="${scope}">`)
    .replace('<iframe title="Saved view"', `<iframe src="${saved}" title="Saved view"`);
  const headers = new Headers(response.headers);
  headers.set("content-security-policy", "frame-ancestors 'self'");
  return new Response(html, { status: response.status, statusText: response.statusText, headers });
}

/** The app window whose worker serves the library, waited for while no window has it (one may be booting). */
async function findShell() {
  const deadline = Date.now() + RELAY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const known = ownerId && (await sw.clients.get(ownerId));
    if (known) return known;
    ownerId = await askWindows();
    if (!ownerId) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return null;
}

/** Ask every app window whether it owns the library; the id of the one that does, or null. */
async function askWindows() {
  const windows = await sw.clients.matchAll({ type: "window", includeUncontrolled: true });
  const answers = windows.map(
    (client) =>
      new Promise((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = ({ data }) => resolve(data ? client.id : null);
        setTimeout(() => resolve(null), 1000); // a window still loading answers later, on a next round
        client.postMessage({ type: MSG.WHO_OWNS }, [channel.port2]);
      }),
  );
  return (await Promise.all(answers)).find(Boolean) ?? null;
}

/** Send the request to the Datasette worker and turn its answer into a real Response. */
async function relay(request) {
  const body = ["GET", "HEAD"].includes(request.method) ? null : await request.arrayBuffer();
  let reply;
  let port;
  do {
    const shell = await findShell();
    if (!shell) return errorPage(503, "The app is not open", "Open the app's window, then reload this page.");
    [reply, port] = await ask(shell, request, body?.slice(0));
    if (reply.notOwner) ownerId = null; // it handed the library to another window since
  } while (reply.notOwner);
  if (reply.error) return errorPage(500, "Datasette could not answer", reply.error);
  const nullBody = reply.status === 304 || reply.status === 204;
  if (nullBody || !reply.more) port.close();
  return new Response(nullBody ? null : reply.more ? streamed(reply, port) : reply.body, {
    status: reply.status,
    headers: reply.headers,
  });
}

/**
 * Post one request to a shell; resolves [first message of the answer, the reply port the rest comes on].
 * @param {Client} shell
 * @param {Request} request
 * @param {ArrayBuffer | null} body
 * @returns {Promise<[ResponseMessage, MessagePort]>}
 */
function ask(shell, request, body) {
  /** @type {RequestMessage} */
  const message = {
    type: MSG.REQUEST,
    id: nextId++,
    method: request.method,
    url: request.url,
    headers: [...request.headers],
    body,
    navigate: request.mode === "navigate",
  };
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
 * The body of an answer Datasette streams: its chunks as they come, each ACKed once the reader has room for more.
 * @param {ResponseMessage} reply
 * @param {MessagePort} port
 */
function streamed(reply, port) {
  let owed = 0; // chunks received but not yet ACKed
  const ack = () => port.postMessage({ type: MSG.ACK, id: reply.id });
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
          port.close();
        };
      },
      pull() {
        for (; owed > 0; owed--) ack();
      },
      cancel() {
        port.postMessage({ type: MSG.CANCEL, id: reply.id });
        port.close();
      },
    },
    { highWaterMark: QUEUED_CHUNKS },
  );
}

/** A readable error page for what Datasette itself cannot report. */
function errorPage(status, title, detail) {
  const escape = (text) =>
    String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const html = `<!doctype html><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font:15px system-ui,sans-serif;margin:2rem;color:#222}pre{white-space:pre-wrap;background:#f4f4f4;padding:1rem}</style>
<h1>${escape(title)}</h1><pre>${escape(detail)}</pre><p>Use <b>Restart</b> in the app's status bar to start Datasette again.</p>`;
  return new Response(html, { status, headers: { "content-type": "text/html; charset=utf-8" } });
}

let downloaded = 0;
let lastReport = 0;

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
  const now = Date.now();
  if (!force && now - lastReport < 100) return;
  lastReport = now;
  const windows = await sw.clients.matchAll({ type: "window", includeUncontrolled: true });
  /** @type {PrecacheProgressMessage} */
  const message = { type: MSG.PRECACHE_PROGRESS, loaded: downloaded, total: PRECACHE_BYTES };
  for (const w of windows) w.postMessage(message);
}
