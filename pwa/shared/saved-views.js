// Saved views (issue 15): while Python starts, the shell shows the page it opens at as Datasette drew it at the last
// visit, marked as such, until Datasette draws it live. A view is shown only if nothing it could show has changed
// since: it is kept with the state it was drawn from (the build, the library's records, and its files' change
// counters: counters.js, read before Datasette drew it), and at start the service worker reads that state again, from
// OPFS and IndexedDB, before the worker opens the files.
// Not kept: in the memory-only library (nothing survives a restart), with a database opened in place (its file can
// change outside the app, and may not be read before the user allows it), or after this start wrote to _memory (which
// starts empty: a view drawn before then shows it as the next start will).
// The service worker puts the view's address in the shell's HTML as it serves it (addressOf), so the frame asks for it
// as soon as the HTML is parsed, while the shell's modules still load; it answers with the view, without its scripts,
// or with nothing (answer()). A srcdoc frame would not do: Firefox does not put one under the service worker, so
// offline its style sheets would not load.
import { COUNTER_AT, COUNTER_LENGTH, LIBRARY_DIRECTORY, libraryState } from "./counters.js";
import * as records from "./records.js";

// In IndexedDB, written durably: Cache Storage lost a page put there just before Chromium closed (measured).
const DB_NAME = "datasette-pwa-saved-views";
const STORE = "views"; // {url, html: ArrayBuffer, state, savedAt: ms}, by url; index savedAt
const KEPT = 20; // pages; the one drawn longest ago goes first
const keptHere = new Map(); // worker: url -> the state its page was last kept with
const PATH = "saved-view"; // under the app's scope: ?of=<the page's URL>
// The meta tag that marks a view, with when it was kept (ms since 1970).
export const SAVED_AT = "datasette-pwa-saved-at";
// The attribute of the shell's saved-view frame (index.html) that the service worker replaces with the frame's src.
export const FRAME_PLACEHOLDER = "data-saved-view-src";
// No script runs in a saved view (answer() also drops them, so that none is refused aloud in the console).
const POLICY = "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "form-action 'none'; frame-ancestors 'self'";

/** One string for everything a view depends on; null if it must not be kept (a database opened in place). */
function stateOf(build, all, files) {
  if (all.some((record) => record.inPlace)) return null;
  const names = all.map(({ name, file, pending }) => `${name}=${file}${pending ? " (pending)" : ""}`).sort();
  return JSON.stringify([build, names, files]);
}

/**
 * Worker: the records as they are now, taken before Datasette draws a page (IndexedDB answers transactions in order:
 * a rename made while it draws comes after); then keep(...) keeps the page if it may be.
 */
export function recordsNow() {
  return records.all();
}

/**
 * Worker: keep the HTML page Datasette drew for a visit to url from these records and files.
 * @param {string} url @param {ArrayBuffer} html @param {string} build @param {object[]} all @param {string} files
 */
export async function keep(url, html, build, all, files) {
  const state = stateOf(build, all, files);
  if (state === null || keptHere.get(url) === state) return; // a repeat view: kept already
  await transact("readwrite", (views) => {
    views.put({ url, html, state, savedAt: Date.now() });
    views.count().onsuccess = ({ target }) => dropOldest(views, /** @type {IDBRequest<number>} */ (target).result - KEPT);
  });
  keptHere.set(url, state);
}

function dropOldest(views, count) {
  if (count <= 0) return;
  views.index("savedAt").openCursor().onsuccess = ({ target }) => {
    const cursor = /** @type {IDBRequest<IDBCursorWithValue>} */ (target).result;
    cursor?.delete();
    if (cursor && --count > 0) cursor.continue();
  };
}

/** Run work(views) in one transaction of the views' store; resolves with what work returned, once committed. */
function transact(mode, work) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: "url" }).createIndex("savedAt", "savedAt");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const database = open.result;
      const transaction = database.transaction(STORE, mode, { durability: "strict" });
      const request = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => {
        database.close();
        resolve(request?.result);
      };
      transaction.onabort = () => {
        database.close();
        reject(transaction.error);
      };
    };
  });
}

/** The view kept for url, or undefined. */
const viewOf = (url) => transact("readonly", (views) => views.get(url));

/** Service worker: the address of the view of page (a Datasette URL), under scope; answer() answers it. */
export const addressOf = (/** @type {string} */ page, /** @type {string} */ scope) =>
  new URL(`${PATH}?of=${encodeURIComponent(page)}`, scope).href;

/** Service worker: the path of the views' addresses, under its scope. */
export const pathIn = (/** @type {string} */ scope) => new URL(PATH, scope).pathname;

/**
 * Service worker: the answer to a request for a view (addressOf): the page as it was kept, if nothing it shows has
 * changed since, marked with when it was kept (SAVED_AT); else 204 No Content, which leaves the frame empty.
 * @param {Request} request
 * @param {string} build this service worker's build: the worker's (both come from build.py's one build)
 */
export async function answer(request, build) {
  const saved = await current(new URL(request.url).searchParams.get("of") ?? "", build);
  if (!saved) return new Response(null, { status: 204 });
  // Datasette's templates escape < in every value they put in a page (Jinja's autoescape): this matches markup only.
  const html = new TextDecoder()
    .decode(saved.html)
    .replace(/<script\b[^]*?<\/script>/gi, "")
    .replace(/<head\b[^>]*>/i, (head) => `${head}<meta name="${SAVED_AT}" content="${saved.savedAt}">`);
  return new Response(html, { headers: { "content-type": "text/html; charset=utf-8", "content-security-policy": POLICY } });
}

/** The view kept for url if nothing it shows has changed since, else null. Never throws: a view is only a nicety. */
async function current(url, build) {
  try {
    // All at once, not the view first: in a new browser process each of these waits on a store opening (the view,
    // the records and the files' headers each came 130-190 ms after the start, 4 starts on a slow day).
    const [saved, all, files] = await Promise.all([viewOf(url), records.all(), filesNow()]);
    return saved?.state === stateOf(build, all, files) ? saved : null;
  } catch {
    return null;
  }
}

/** The library's files as they are in OPFS (counters.js). */
async function filesNow() {
  const directory = await (await navigator.storage.getDirectory()).getDirectoryHandle(LIBRARY_DIRECTORY);
  /** @type {[string, Uint8Array][]} */
  const files = [];
  for await (const [name, handle] of directory.entries()) {
    const file = await /** @type {FileSystemFileHandle} */ (handle).getFile();
    const counter = await file.slice(COUNTER_AT, COUNTER_AT + COUNTER_LENGTH).arrayBuffer();
    files.push([name, new Uint8Array(counter)]);
  }
  return libraryState(files);
}
