// The Pull dialog (pwa_pull.html): copies a table, or a query's results, from any Datasette server into this database,
// page by page, following the server's next links. Each page's JSON goes to this app's <db>/-/pull-rows as it came,
// which stores it in one transaction; the first makes the table. transfer.js has the dialog's plumbing.
import { Refusal, checkedUrl, confirmDialog, keepToken, local, rows, server, wire } from "./transfer.js";

const root = document.querySelector(".pwa-pull");
const here = root.dataset.database; // this database's URL in the app, e.g. /ds/shelf

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

/** Store one page locally; on the first, ask before replacing a table of that name. null: the user said no. */
async function store(job, body, signal) {
  const query = new URLSearchParams({ table: job.table, ...(job.first ? { first: "1" } : {}), ...(job.replace ? { replace: "1" } : {}) });
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

async function run(job, view, signal) {
  while (job.url) {
    const page = await server(job.url, { token: job.token, signal });
    const stored = await store(job, await page.arrayBuffer(), signal);
    if (!stored) return view.say(`Nothing was pulled: ${job.table} is as it was.`, "warning");
    job.first = false;
    job.pulled += stored.rows;
    job.total ??= stored.count;
    job.truncated ||= stored.truncated;
    job.url = stored.next_url;
    job.tableUrl = stored.table_url;
    if (job.url && new URL(job.url).origin !== job.origin) throw new Refusal(`The server's next page is on another site (${new URL(job.url).origin}): stopped there.`);
    view.progress(job.pulled, job.total ?? 0, `${job.pulled.toLocaleString()}${job.total ? ` of ${job.total.toLocaleString()}` : ""} rows pulled`);
  }
  const cut = job.truncated ? " The server sent only the first rows of the query (its max_returned_rows): pull a table, or page the query." : "";
  view.say(`Pulled ${rows(job.pulled)} into ${job.table}.${cut}`, job.truncated ? "warning" : "info",
    { href: job.tableUrl, textContent: `Open ${job.table}` });
}

async function makeJob(view) {
  const form = root.querySelector("form");
  const source = checkedUrl(form.elements.url.value, "The Datasette URL");
  await keepToken(form);
  const job = { url: jsonUrl(source).href, origin: source.origin, token: form.elements.token.value.trim(),
    table: tableName(form, source), first: true, replace: false, pulled: 0, total: null, truncated: false, tableUrl: null };
  return {
    run: (signal) => run(job, view, signal),
    stopped: () => `Stopped after ${rows(job.pulled)}; they are in ${job.table}. Resume goes on from there.`,
  };
}

wire(root, makeJob);
