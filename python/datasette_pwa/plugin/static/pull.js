// The Pull dialog (pwa_pull.html): copies a table, or a query's results, from any Datasette server into this database,
// page by page, following the server's next links. Each page's JSON goes to this app's <db>/-/pull-rows as it came,
// which checks it and stores it in one transaction; the first makes the table. A server is not trusted: a page is read
// only while it keeps coming and up to a size, and a chain of pages stops at a page already read. transfer.js has the
// dialog's plumbing.
import { Refusal, checkedUrl, confirmDialog, keepToken, local, readUpTo, rows, server, wire } from "./transfer.js";

const root = /** @type {HTMLElement} */ (document.querySelector(".pwa-pull"));
// This database's URL in the app (e.g. /ds/shelf), and what transfer_routes.py's pull_data() says.
const { database: here } = root.dataset;
const maxPageBytes = Number(root.dataset.maxPageBytes);
const stallMs = Number(root.dataset.stallSeconds) * 1000;
const stallBytes = Number(root.dataset.stallBytes);

/** The JSON form of a Datasette page's URL: <page>.json with the page's own query, rows as objects, as many a page as
 * the server gives, with the count and the primary keys. */
function jsonUrl(page) {
  const url = new URL(page);
  url.pathname = url.pathname.replace(/\/+$/, "");
  if (!url.pathname.endsWith(".json")) url.pathname += ".json";
  url.searchParams.set("_shape", "objects");
  if (!url.searchParams.has("_size")) url.searchParams.set("_size", "max"); // the server's max_returned_rows a page
  url.searchParams.append("_extra", "count");
  url.searchParams.append("_extra", "primary_keys");
  return url;
}

/** The local table's name: the one typed, or the page's last path segment (Datasette's tilde encoding undone). */
function tableName(form, url) {
  const typed = form.elements.table.value.trim();
  if (typed) return typed;
  const last = decodeURIComponent(url.pathname.split("/").pop().replace(/\.json$/, "").replace(/\+/g, " "));
  return last.replace(/~([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16))) || "pulled";
}

/**
 * The page at job.url, as a Blob: given up on when less than stallBytes came in stallMs (a drip, a server that never
 * answers) or when it grows past maxPageBytes.
 */
async function readPage(job, signal) {
  const host = new URL(job.url).host;
  const stalled = new AbortController();
  let got = 0;
  let before = 0;
  const watch = setInterval(() => (got - before < stallBytes ? stalled.abort() : (before = got)), stallMs);
  try {
    const response = await server(job.url, { token: job.token, signal: AbortSignal.any([signal, stalled.signal]) });
    const page = Number(response.headers.get("content-length")) <= maxPageBytes
      ? await readUpTo(response, maxPageBytes, (bytes) => (got += bytes))
      : null;
    if (!page) throw new Refusal(`${host} sent a page bigger than ${maxPageBytes >> 20} MB, the most a page may be: stopped there.`);
    return page;
  } catch (error) {
    if (!stalled.signal.aborted || signal.aborted) throw error;
    throw new Refusal(`${host} sent less than ${stallBytes >> 10} KB in ${stallMs / 1000} seconds: the page was given up on, and nothing of it was stored.`);
  } finally {
    clearInterval(watch);
  }
}

/** Store one page locally; on the first, ask before replacing a table of that name. null: the user said no. */
async function store(job, body, signal) {
  const query = new URLSearchParams({ table: job.table, page: String(job.pages + 1), ...(job.previous ? { previous: job.previous } : {}),
    ...(job.first ? { first: "1" } : {}), ...(job.replace ? { replace: "1" } : {}) });
  try {
    const response = await local(`${here}/-/pull-rows?${query}`, { method: "POST", body, signal, headers: { "content-type": "application/json" } });
    return await response.json();
  } catch (error) {
    if (error.status !== 409) throw error; // 409: the table exists (transfer_routes.py)
  }
  const yes = await confirmDialog(`Replace ${job.table}?`, `This database already has a table ${job.table}. Replace it, and its rows, with what the server sends?`, "Replace");
  if (!yes) return null;
  job.replace = true;
  return store(job, body, signal);
}

/** The page the server says comes next, checked: on the same site, and not one read before. */
function nextPage(job, next) {
  if (!next) return null;
  if (!URL.canParse(next, job.url)) throw new Refusal(`The server's next page is not a web address: stopped after ${rows(job.pulled)}.`);
  const url = new URL(next, job.url);
  if (url.origin !== job.origin) throw new Refusal(`The server's next page is on another site (${url.origin}): stopped there.`);
  if (job.seen.has(url.href)) throw new Refusal(`The server's next page is one it sent before: stopped after ${rows(job.pulled)}, which are in ${job.table}.`);
  return url.href;
}

async function run(job, view, signal) {
  while (job.url) {
    const stored = await store(job, await readPage(job, signal), signal);
    if (!stored) return view.say(`Nothing was pulled: ${job.table} is as it was.`, "warning");
    Object.assign(job, { first: false, pages: job.pages + 1, previous: stored.fingerprint, tableUrl: stored.table_url });
    job.seen.add(job.url);
    job.pulled += stored.rows;
    job.total ??= stored.count;
    job.truncated ||= stored.truncated;
    view.progress(job.pulled, job.total ?? 0, `${job.pulled.toLocaleString()}${job.total ? ` of ${job.total.toLocaleString()}` : ""} rows pulled`);
    job.url = nextPage(job, stored.next_url);
  }
  const cut = job.truncated ? " The server sent only the first rows of the query (its max_returned_rows): pull a table, or page the query." : "";
  view.say(`Pulled ${rows(job.pulled)} into ${job.table}.${cut}`, job.truncated ? "warning" : "info",
    { href: job.tableUrl, textContent: `Open ${job.table}` });
}

async function makeJob(view) {
  const form = /** @type {HTMLFormElement & {elements: Record<string, HTMLInputElement>}} */ (root.querySelector("form"));
  const source = checkedUrl(form.elements.url.value, "The Datasette URL");
  await keepToken(form);
  const job = { url: jsonUrl(source).href, origin: source.origin, token: form.elements.token.value.trim(),
    table: tableName(form, source), first: true, replace: false, pulled: 0, total: null, truncated: false, tableUrl: null,
    pages: 0, previous: null, seen: new Set() };
  return {
    run: (signal) => run(job, view, signal),
    stopped: () => `Stopped after ${rows(job.pulled)}; they are in ${job.table}. Resume goes on from there.`,
  };
}

wire(root, makeJob);
