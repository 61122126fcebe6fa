// Repeat views (issue 15): the worker answers a GET it has answered before from memory, without Python, when nothing
// the page shows can have changed since. (Datasette's static files the service worker keeps: sw.js staticFile.)
// A page of the databases (home, database, table, row: not a query, a stored query, a view or a table page with
// ?_where=, whose SQL may be random() or now(), and which the history records) is kept, by its URL, Accept and the
// cookies Datasette reads with it (its flash messages: exchange.py's CookieJar), with a stamp of everything it could
// show:
// - the state of the library's files (counters.js: each one's SQLite change counter), Datasette's internal database
//   among them;
// - a generation the worker bumps for every other request, library call and setting (_memory, the library's own
//   list and the settings have no counter).
// The stamp is taken before Datasette draws the page: a write while it draws leaves the entry stale, never served.
// An answer that sets a cookie is not kept: it changed what the next one shows (a page showing a message clears it).
import { COUNTER_AT, COUNTER_LENGTH, libraryState } from "../shared/counters.js";
/** @import { HeaderList, RequestMessage } from "../shared/protocol.js" */
/** @import { Library } from "./library.js" */

/**
 * What this module uses of datasette_pwa.App (a Pyodide proxy; its attributes are proxies to destroy).
 * @typedef {{is_stored_query: (path: string) => Promise<boolean>,
 *   jar: {cookies: {destroy: () => void}, destroy: () => void}}} App
 */

const MAX_BODY = 4 << 20; // bigger answers are streamed anyway
const MAX_TOTAL = 64 << 20;

/**
 * @typedef {object} Entry
 * @property {string} stamp
 * @property {number} status
 * @property {HeaderList} headers
 * @property {ArrayBuffer} body
 * @property {number[]} nonceAt where the page's nonce is in body
 */
/** @type {Map<string, Entry>} */
const kept = new Map();
let total = 0;
let generation = 0;

/** Something other than a cacheable GET ran (a write, a library call, a setting): no page kept so far is current. */
export function changed() {
  generation++;
}

/**
 * The path after baseUrl of a request for a page that may be kept, or null.
 * @param {RequestMessage} request
 * @param {string} baseUrl
 */
function pagePath({ method, url }, baseUrl) {
  const { pathname, searchParams } = new URL(url);
  if (method !== "GET" || !pathname.startsWith(baseUrl)) return null;
  const path = pathname.slice(baseUrl.length);
  const special = path.split("/").includes("-"); // Datasette's and the plugins' own pages, queries among them
  return special || searchParams.has("sql") || searchParams.has("_where") ? null : path;
}

/**
 * The library's files now (counters.js); with the generation, the state of everything a page could show.
 * @param {Library} library
 */
function filesNow(library) {
  /** @type {[string, Uint8Array][]} */
  const files = [];
  for (const name of library.fs.readdir(library.mount)) {
    if (name === "." || name === "..") continue;
    const stream = library.fs.open(`${library.mount}/${name}`, "r");
    try {
      const counter = new Uint8Array(COUNTER_LENGTH);
      files.push([name, counter.subarray(0, library.fs.read(stream, counter, 0, COUNTER_LENGTH, COUNTER_AT))]);
    } finally {
      library.fs.close(stream);
    }
  }
  return libraryState(files);
}

/**
 * What a page is kept by: its URL, the Accept header, and the cookies Datasette will read with it (app.jar: the
 * browser's cookies for Datasette, which the worker keeps since a service worker cannot).
 * @param {RequestMessage} request
 * @param {App} app
 */
function keyOf({ url, headers }, app) {
  const accept = headers.find(([name]) => name.toLowerCase() === "accept")?.[1] ?? "";
  const jar = app.jar;
  const cookies = jar.cookies;
  try {
    return JSON.stringify([url, accept, String(cookies)]); // Python's str() of the dict: every name and value
  } finally {
    cookies.destroy();
    jar.destroy();
  }
}

const setsCookie = (headers) => headers.some(([name]) => name.toLowerCase() === "set-cookie");

/**
 * {hit, keep, cacheable, files}: hit is the kept answer to request if it is still current ({status, headers, body},
 * body a copy that may be transferred), or null; then keep(answer), once Datasette answered, keeps it if it may be.
 * cacheable: whether request is one of those kept (any other may have changed what the pages show). files: the
 * library's files as they were before Datasette drew the answer (counters.js). keep() resolves with the kept Entry
 * (for a hit, the one it came from), or null.
 * @param {RequestMessage} request
 * @param {string} baseUrl
 * @param {App} app
 * @param {Library} library whose files' state the entries are kept for
 * @returns {{hit: object | null, keep: (answer: object) => Promise<Entry | null>, cacheable: boolean,
 *   files?: string}}
 */
export function lookup(request, baseUrl, app, library) {
  const path = pagePath(request, baseUrl);
  if (path === null) return { hit: null, keep: async () => null, cacheable: false };
  const key = keyOf(request, app);
  const files = filesNow(library);
  const now = `${generation} ${files}`;
  const entry = kept.get(key);
  if (entry && entry.stamp === now) {
    kept.delete(key); // least recently used first
    kept.set(key, entry);
    const { headers, body } = withNewNonce(entry);
    const hit = { status: entry.status, headers: [...headers, ["x-datasette-pwa-cache", "hit"]], body };
    return { hit, keep: async () => entry, cacheable: true, files };
  }
  return {
    hit: null,
    cacheable: true,
    files,
    keep: async ({ status, headers, body }) => {
      if (status !== 200 || body.byteLength > MAX_BODY || setsCookie(headers)) return null;
      const entry = { stamp: now, status, headers, body: body.slice(0), nonceAt: nonceOffsets(headers, body) };
      // "db/name" is a table's page, a view's or a stored query's: Datasette knows which.
      if (path.split("/").length === 2 && (await app.is_stored_query(path))) return null;
      store(key, entry);
      return entry;
    },
  };
}

/** @param {string} key @param {Entry} entry */
function store(key, entry) {
  forget(key);
  kept.set(key, entry);
  total += entry.body.byteLength;
  for (const [oldest] of kept) {
    if (total <= MAX_TOTAL) break;
    forget(oldest);
  }
}

function forget(key) {
  total -= kept.get(key)?.body.byteLength ?? 0;
  kept.delete(key);
}

const nonceIn = (headers) =>
  headers.find(([name]) => name === "content-security-policy")?.[1].match(/'nonce-([\w-]+)'/)?.[1];

/** The byte offsets of an HTML page's nonce in its body (csp.py puts it in every script tag). */
function nonceOffsets(headers, body) {
  const nonce = nonceIn(headers);
  if (!nonce) return [];
  const bytes = new Uint8Array(body);
  const needle = new TextEncoder().encode(nonce);
  const found = [];
  for (let i = bytes.indexOf(needle[0]); i !== -1; i = bytes.indexOf(needle[0], i + 1)) {
    if (needle.every((byte, j) => bytes[i + j] === byte)) found.push(i);
  }
  return found;
}

/**
 * A copy of a kept page with a nonce of its own: a nonce lets a response's own scripts run (csp.py) and is meant for
 * one response. The new one has the old one's length, so it is written over it in place.
 * @param {Entry} entry
 */
function withNewNonce({ headers, body, nonceAt }) {
  const copy = body.slice(0);
  if (!nonceAt.length) return { headers, body: copy };
  const old = nonceIn(headers);
  const random = crypto.getRandomValues(new Uint8Array(18)); // 24 characters, as Python's token_urlsafe(18)
  const nonce = btoa(String.fromCharCode(...random)).replaceAll("+", "-").replaceAll("/", "_");
  const bytes = new Uint8Array(copy);
  const encoded = new TextEncoder().encode(nonce);
  for (const at of nonceAt) bytes.set(encoded, at);
  return {
    headers: headers.map(([name, value]) => [name, name === "content-security-policy" ? value.replaceAll(old, nonce) : value]),
    body: copy,
  };
}
