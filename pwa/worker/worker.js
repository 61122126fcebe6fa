// The Datasette worker: starts Python (python-start.js) from the app's own files, starts Datasette
// (python/datasette_pwa) on the library's databases, answers REQUEST messages through it, and runs the library's CALLs.
import { Library } from "./library.js";
import { libraryApi } from "./library-api.js";
import { loadOnDemand } from "./on-demand.js";
import { whyNoOPFS } from "./opfs-fs.js";
import { MSG } from "../shared/protocol.js";
import { startPython } from "./python-start.js";
import { changed, lookup } from "./response-cache.js";
import * as visits from "./visits.js";
/** @import { PyodideAPI } from "pyodide" */
/** @import { CallMessage, LibraryApi, ReadyMessage, RequestMessage, Settings, ToWorker } from "../shared/protocol.js" */

/** @type {PyodideAPI} */
let pyodide;
let app; // PyProxy of datasette_pwa.App
/** @type {Library} */
let library; // built at boot, once Python runs
/** @type {LibraryApi} */
let api; // what the shell may CALL, once Datasette serves the library
let build; // {id}: this worker's files and the service worker's precache come from this build
let baseUrl; // Datasette's, e.g. "/ds/"

/** Tell the shell how far boot has come. */
function progress(stage, loaded, total) {
  postMessage({ type: MSG.PROGRESS, stage, loaded, total });
}

/**
 * Python, then the library's files (opened, and any transaction a crash cut short rolled back, before Datasette reads
 * them), then Datasette serving them.
 * @param {string} baseUrl
 * @param {Settings} settings
 * @param {string[]} setAside databases not to open: their pages crashed the worker twice in a row (crash-counts.js)
 * @returns {Promise<Omit<ReadyMessage, "type">>}
 */
async function boot(baseUrl, settings, setAside) {
  const t0 = performance.now();
  const marks = {};
  const mark = (name) => (marks[name] = Math.round(performance.now() - t0));
  const noOPFS = whyNoOPFS(); // asked meanwhile: the library needs the answer, the snapshot tries OPFS regardless
  build = await (await fetch("./build.json")).json();
  progress("Starting Python");
  const python = await startPython(build.id, mark);
  pyodide = python.pyodide;
  // What Python calls back in JavaScript: on_demand.py loads a package this way.
  pyodide.registerJsModule("datasette_pwa_host", { load_on_demand: (name) => loadOnDemand(pyodide, name) });
  progress("Opening your databases");
  const { internal, notices, persistent, ...opened } = await Library.open(pyodide, noOPFS, setAside);
  library = opened.library;
  visits.keepViews(persistent, build.id);
  mark("library");
  progress("Starting Datasette");
  const { start } = pyodide.pyimport("datasette_pwa.app");
  app = await start(baseUrl, build.id, internal, settings.sqlTimeLimitMs ?? null);
  mark("app");
  notices.push(...(await library.serveAll(app.ds)));
  api = libraryApi(library);
  mark("datasette");
  console.log("boot", python.restored ? "from snapshot" : "normal", JSON.stringify(marks));
  python.keep?.().catch((error) => console.warn("Could not keep the snapshot", error));
  const versions = JSON.parse(pyodide.pyimport("datasette_pwa.app").versions());
  const current = { sqlTimeLimitMs: app.ds.setting("sql_time_limit_ms"),
    bulkTimeLimitMs: pyodide.pyimport("datasette_pwa.sql_guard").BULK_TIME_LIMIT_MS };
  return { versions: { ...versions, pyodide: pyodide.version, build: build.id }, notices, settings: current, persistent };
}

// Chunks of a streamed answer that may be on their way, not yet acknowledged by the service worker.
const IN_FLIGHT = 8;
const streams = new Map(); // request id -> {inFlight, resume, cancelled}

/**
 * Answer one relayed request: cached ? the response cache's answer : Datasette's. A whole answer goes out as one
 * RESPONSE; then a page visited may be kept for the next start (visits.js), from what the response cache kept of it.
 * @param {RequestMessage} request
 */
async function handle(request) {
  let cache;
  try {
    await ready;
    cache = lookup(request, baseUrl, app, library);
    const answered = visits.visitOf(request, cache); // before Datasette draws the page: it reads the records now
    const whole = cache.hit ?? (await askDatasette(request));
    if (!whole) return; // Datasette streamed it, as it came: a streamed answer is never kept
    const kept = cache.keep(whole); // before answer() hands the body over
    answer({ type: MSG.RESPONSE, id: request.id, ...whole, more: false });
    answered?.(kept);
  } catch (error) {
    failed(MSG.RESPONSE, request.id, error); // no head went out (once one did, stream() reports its errors)
  } finally {
    if (!cache?.cacheable) changed(); // it may have written what no change counter shows
    visits.ended(request, baseUrl);
  }
}

/**
 * Ask Datasette: its whole answer to request ({status, headers, body}), or for an answer it streams, null once sent: a
 * RESPONSE with its first chunk and then BODY chunks, paced by the service worker's ACKs. Datasette's own error pages
 * come back as ordinary responses. The request's proxies are destroyed before it returns.
 * @param {RequestMessage} request
 */
async function askDatasette({ id, method, url, headers, body }) {
  let parts, pyHeaders, pyBody;
  try {
    pyHeaders = pyodide.toPy(headers);
    pyBody = body && pyodide.toPy(new Uint8Array(body));
    parts = app.stream(method, url, pyHeaders, pyBody);
    const [status, replyHeaders] = await nextPart(parts);
    const first = await nextPart(parts);
    const second = first && (await nextPart(parts));
    const reply = { status, headers: replyHeaders, body: (first ?? new Uint8Array()).buffer };
    if (!second) return reply;
    answer({ type: MSG.RESPONSE, id, ...reply, more: true });
    await stream(id, second, parts);
    return null;
  } finally {
    for (const proxy of [parts, pyHeaders, pyBody]) proxy?.destroy();
  }
}

/**
 * Report an error of request id, then crash if Pyodide cannot go on (failIfFatal). Before the head went out this is
 * the answer (MSG.RESPONSE); after it, the end of a stream cut short (MSG.BODY).
 * @param {typeof MSG.RESPONSE | typeof MSG.BODY} type
 */
function failed(type, id, error) {
  postMessage({ type, id, error: String(error) });
  failIfFatal(error);
}

/** The rest of a streamed answer, from chunk on, then its end; its head went out, so an error ends it cut short. */
async function stream(id, chunk, parts) {
  const state = { inFlight: 0, resume: null, cancelled: false };
  streams.set(id, state);
  try {
    for (; chunk; chunk = await nextPart(parts)) {
      if (state.inFlight >= IN_FLIGHT) await new Promise((resolve) => (state.resume = resolve));
      if (state.cancelled) return await parts.return(); // closes Datasette's side too (exchange.py)
      state.inFlight++;
      answer({ type: MSG.BODY, id, chunk: chunk.buffer });
    }
    answer({ type: MSG.BODY, id, end: true });
  } catch (error) {
    failed(MSG.BODY, id, error);
  } finally {
    streams.delete(id);
  }
}

/** The next part of App.stream as JavaScript (the head [status, headers], then Uint8Arrays), or undefined at its end. */
async function nextPart(parts) {
  const { done, value } = await parts.next();
  if (done) return undefined;
  // toJs() copies bytes into a Uint8Array that owns its buffer, so the buffer can be transferred.
  const part = value.toJs();
  value.destroy();
  return part;
}

/** Post part of an answer, once every write it reports is durable: Emscripten never flushes OPFS by itself. */
function answer(message) {
  library.flushWrites();
  const buffer = message.body ?? message.chunk;
  postMessage(message, buffer ? [buffer] : []);
}

function acknowledged({ id }) {
  const state = streams.get(id);
  if (!state) return;
  state.inFlight--;
  state.resume?.();
  state.resume = null;
}

function cancelled({ id }) {
  const state = streams.get(id);
  if (!state) return;
  state.cancelled = true;
  state.resume?.();
}

/**
 * Run one library method for the shell; errors go back as sentences for the user.
 * @param {CallMessage} message
 */
async function call({ id, method, args }) {
  try {
    await ready;
    if (!Object.hasOwn(api, method)) throw new Error(`The library has no method “${method}”.`);
    // As Runtime.call sent them: it took them as LibraryApi says this method does.
    const value = await /** @type {(...args: unknown[]) => unknown} */ (api[method])(...args);
    postMessage({ type: MSG.RESULT, id, value });
  } catch (error) {
    postMessage({ type: MSG.RESULT, id, error: error.message });
    failIfFatal(error);
  } finally {
    changed(); // runs before the shell's next request: messages wait for this task
  }
}

// Pyodide cannot go on after a fatal error (every later call fails). Make it a crash the shell sees, so it restarts
// the worker, instead of answering every request with an error from then on.
function failIfFatal(error) {
  if (error?.pyodide_fatal_error) setTimeout(() => {
    throw error;
  });
}
// Nothing fails silently: an error no request or call reported reaches the status bar.
addEventListener("unhandledrejection", (event) => {
  postMessage({ type: MSG.FAULT, where: "worker", message: String(event.reason?.message ?? event.reason) });
  failIfFatal(event.reason);
});

let ready;
onmessage = (/** @type {MessageEvent<ToWorker>} */ { data }) => {
  if (data.type === MSG.BOOT) {
    baseUrl = data.baseUrl;
    ready = boot(data.baseUrl, data.settings, data.setAside);
    ready.then(
      (ready) => postMessage({ type: MSG.READY, ...ready }),
      (error) => postMessage({ type: MSG.FAILED, error: String(error) }),
    );
  } else if (data.type === MSG.REQUEST) {
    handle(data);
  } else if (data.type === MSG.ACK) {
    acknowledged(data);
  } else if (data.type === MSG.CANCEL) {
    cancelled(data);
  } else if (data.type === MSG.SETTINGS) {
    changed();
    ready.then(() => app.set_time_limit(data.settings.sqlTimeLimitMs));
  } else if (data.type === MSG.CALL) {
    call(data);
  } else if (data.type === MSG.PING) {
    postMessage({ type: MSG.PONG });
  }
};
