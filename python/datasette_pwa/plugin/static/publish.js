// The Publish dialog (pwa_publish.html): copies tables to a Datasette 1.0 server through its JSON write API. For each
// table: create it with the same columns and primary key (asking before replacing one the server has), then send its
// rows in key order, a batch at a time, as upserts. transfer.js has the dialog's plumbing.
import { Refusal, checkedUrl, confirmDialog, keepToken, local, rows, server, wire } from "./transfer.js";

const root = /** @type {HTMLElement} */ (document.querySelector(".pwa-publish"));
// This database's URL in the app (e.g. /ds/shelf), and what transfer_routes.py's publish_data() says.
const { database: here, afterHeader, rowsHeader, batchRows, defaultInsertRows, defaultPostBytes } = root.dataset;

// GETs to the server carry no token: Datasette 1.0a41 answers the CORS preflight a token needs only on its write API
// (its newer views' OPTIONS send no Access-Control-Allow-Origin), so only POSTs take it.

/** The server's limits on a write (its /-/settings.json, beside the database); Datasette's defaults if it hides them. */
async function limits(dbUrl, signal) {
  const settings = new URL("../-/settings.json", dbUrl + "/");
  const json = await server(settings.href, { signal }).then((r) => r.json()).catch(() => ({}));
  const most = (setting, fallback) => json[setting] ?? Number(fallback);
  return { rows: Math.min(most("max_insert_rows", defaultInsertRows), Number(batchRows)),
    bytes: Math.floor(most("max_post_body_bytes", defaultPostBytes) * 0.9) }; // room for the JSON around the rows
}

/** Create the table on the server; if it has one of that name, replace it when the user says so (false if not). */
async function create(job, table, signal) {
  const { dbUrl, token } = job;
  const post = (path, body) => server(`${dbUrl}/${path}`, { token, method: "POST", body: JSON.stringify(body), signal });
  try {
    await post("-/create", table.create);
  } catch (error) {
    if (!/already exists/.test(error.message)) throw error;
    const yes = await confirmDialog(`Replace ${table.table}?`,
      `${dbUrl} already has a table ${table.table}. Replace it, deleting its rows there, with this one?`, "Replace");
    if (!yes) return false;
    await post(`${table.path}/-/drop`, { confirm: true });
    await post("-/create", table.create);
  }
  return true;
}

/** Send one table's rows from job.after on, a batch at a time; job.after and the counts follow each batch the server
 * took. The progress names the table before each batch goes, and a refused batch is named in the message. */
async function sendRows(job, table, view, signal) {
  const show = () => view.progress(job.sent, job.total, `${table.table}: ${job.tableSent.toLocaleString()} of ` +
    `${table.rows.toLocaleString()} rows sent (${job.sent.toLocaleString()} of ${job.total.toLocaleString()} in all)`);
  do {
    show();
    const query = new URLSearchParams({ table: table.table, size: job.limits.rows, bytes: job.limits.bytes });
    if (job.after) query.set("after", job.after);
    const batch = await local(`${here}/-/publish-rows?${query}`, { signal });
    const count = Number(batch.headers.get(rowsHeader));
    const body = await batch.arrayBuffer();
    if (count) {
      await server(`${job.dbUrl}/${table.path}/-/upsert`, { token: job.token, method: "POST", body, signal }).catch((error) => {
        const refused = error.status ? `the server refused ${rows(count)}: ` : ""; // else it was not reached
        throw signal.aborted ? error : new Refusal(`${table.table}: ${refused}${error.message}`, error.status);
      });
    }
    job.after = batch.headers.get(afterHeader);
    job.sent += count;
    job.tableSent += count;
  } while (job.after);
  show();
}

async function makeJob(view, signal) {
  const form = /** @type {HTMLFormElement & {elements: Record<string, HTMLInputElement>}} */ (root.querySelector("form"));
  const dbUrl = checkedUrl(form.elements.url.value, "The Database URL").href.replace(/[?#].*$/, "").replace(/\/+$/, "");
  const token = form.elements.token.value.trim();
  await keepToken(form);
  const only = form.elements.table.value;
  const plan = await (await local(`${here}/-/publish.json${only ? `?table=${encodeURIComponent(only)}` : ""}`, { signal })).json();
  if (!plan.tables.length) throw new Refusal("There is no table to publish.");
  const job = { dbUrl, token, plan, total: plan.tables.reduce((n, t) => n + t.rows, 0), index: 0, after: null, sent: 0,
    tableSent: 0, created: new Set(), limits: null };
  return {
    run: (signal) => run(job, view, signal),
    stopped: () => `Stopped after ${job.sent.toLocaleString()} of ${job.total.toLocaleString()} rows. What was sent stays on the server; Resume goes on from there.`,
  };
}

async function run(job, view, signal) {
  job.limits ??= await limits(job.dbUrl, signal);
  for (; job.index < job.plan.tables.length; job.index++, job.after = null, job.tableSent = 0) {
    const table = job.plan.tables[job.index];
    if (!job.created.has(table.table)) {
      view.progress(job.sent, job.total, `${table.table}: creating it on the server`);
      if (!(await create(job, table, signal))) return view.say(`Nothing more was sent: ${table.table} is on the server already.`, "warning");
      job.created.add(table.table);
    }
    await sendRows(job, table, view, signal);
  }
  const tables = job.plan.tables.length === 1 ? job.plan.tables[0].table : `${job.plan.tables.length} tables`;
  view.progress(job.sent, job.total, `${rows(job.sent)} sent`);
  view.say(`Published ${rows(job.sent)} of ${tables}${generatedNote(job.plan.tables)} to`, "info",
    { href: job.dbUrl, textContent: job.dbUrl, target: "_blank", rel: "noopener" });
}

/** " (generated columns as plain ones…: t.y, t.z)" naming each generated column published, or "" when there is none. */
function generatedNote(tables) {
  const names = tables.flatMap((table) => table.generated.map((column) => `${table.table}.${column}`));
  return names.length ? ` (generated columns as plain ones holding their values: ${names.join(", ")})` : "";
}

wire(root, makeJob);
