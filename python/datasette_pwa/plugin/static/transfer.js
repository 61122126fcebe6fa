// The Publish and Pull dialogs (plugin/templates/pwa_publish.html, pwa_pull.html; transfer_routes.py serves the local
// side). This page moves batches between this Datasette and a server's JSON API without reading them: the local
// routes write and read the bodies, so numbers and blobs arrive as they left. A failure keeps the place reached, and
// Resume goes on from there; publishing upserts by primary key (or rowid), so a batch sent twice changes nothing.

const TOKENS = "datasette-pwa-tokens"; // IndexedDB: a server's origin -> its API token, kept only when asked
const ERROR_BYTES = 1 << 20; // of an answer that says no, read no more than this (a hostile one may never end)
const PROBE_MS = 10_000; // the reachability probe's patience (a server that answers nothing would hang it)

/** A failure in words for the user; status: the HTTP status of the answer that said no, if one did. */
class Refusal extends Error {
  constructor(message, status = 0) {
    super(message);
    this.status = status;
  }
}

/** "1 row", "100,000 rows". */
const rows = (n) => `${n.toLocaleString()} ${n === 1 ? "row" : "rows"}`;

/** @param {string} url @param {{token?: string, method?: string, body?: BodyInit, signal?: AbortSignal}} options */
async function server(url, { token = "", method = "GET", body = undefined, signal = undefined } = {}) {
  const headers = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { "content-type": "application/json" } : {}) };
  let response;
  try {
    response = await fetch(url, { method, headers, body, signal, credentials: "omit", cache: "no-store" });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new Refusal(await unreachable(url, Boolean(token) && method === "GET"));
  }
  if (!response.ok) throw new Refusal(await refusal(url, response), response.status);
  return response;
}

// A fetch that fails says nothing about why; one that asks for no CORS succeeds when the server is there.
async function unreachable(url, readWithToken) {
  const host = new URL(url).host;
  try {
    await fetch(url, { mode: "no-cors", credentials: "omit", cache: "no-store", signal: AbortSignal.timeout(PROBE_MS) });
  } catch {
    return `Could not reach ${host}: the server is down, the address is wrong, or this device is offline.`;
  }
  if (readWithToken) {
    // Datasette 1.0a41 answers the CORS preflight of a read with a token without Access-Control-Allow-Origin.
    return `${host} does not let other sites read its pages with a token (CORS): leave the token out to pull what anyone may read.`;
  }
  return `${host} answered, but does not let other sites use its API (CORS): start Datasette with --cors.`;
}

/**
 * The body of response as a Blob, or null once more than max bytes came (the rest is not read).
 * @param {Response} response @param {number} max @param {(bytes: number) => void} [onChunk] sees each chunk's size
 */
async function readUpTo(response, max, onChunk = () => {}) {
  const chunks = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return new Blob(chunks);
    size += value.length;
    onChunk(value.length);
    if (size > max) {
      reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
}

/** A server's errors in one sentence: the first, and how many more (Datasette's write API lists one per row). */
function summary(json) {
  // Datasette's "error" is its "errors" joined with "; ", when it gives a list.
  const said = Array.isArray(json?.errors) && json.errors.length ? json.errors : [json?.error];
  const errors = [...new Set(said.filter((error) => typeof error === "string" && error))];
  const first = errors[0]?.length > 300 ? `${errors[0].slice(0, 300)}…` : errors[0] ?? "";
  if (errors.length < 2) return first;
  const shape = (text) => text.replace(/\d+/g, "#");
  const alike = errors.every((error) => shape(error) === shape(errors[0]));
  return `${first} (and ${(errors.length - 1).toLocaleString()} more${alike ? " like it" : ""})`;
}

async function refusal(url, response) {
  const host = new URL(url).host;
  const body = await readUpTo(response, ERROR_BYTES).catch(() => null);
  const json = await body?.text().then(JSON.parse).catch(() => null);
  const detail = summary(json);
  const said = `${response.status}${detail ? `: ${detail}` : ""}`;
  if (response.status === 401 || response.status === 403) {
    return `${host} refused (${said}). Check the API token, and that it may create tables and insert and update rows there.`;
  }
  if (response.status === 404) return `${host} has nothing at ${url.replace(/\/-\/.*$/, "")} (${said}). Check the URL.`;
  return `${host} answered ${said}.`;
}

// The app's own Datasette: errors are Datasette's JSON.
async function local(url, options = {}) {
  const response = await fetch(url, { cache: "no-store", ...options });
  if (response.ok) return response;
  const json = await response.json().catch(() => ({}));
  throw new Refusal(json.error ?? json.errors?.join("; ") ?? `This app's Datasette answered ${response.status}.`, response.status);
}

function tokens(mode, work) {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open(TOKENS, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore("tokens");
    opening.onerror = () => reject(opening.error);
    opening.onsuccess = () => {
      const transaction = opening.result.transaction("tokens", mode);
      transaction.oncomplete = () => opening.result.close();
      const request = work(transaction.objectStore("tokens"));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    };
  });
}

const originOf = (url) => (URL.canParse(url) ? new URL(url).origin : "");

/** Keep the form's token for its server's origin, or forget it. */
function keepToken(form) {
  const origin = originOf(form.elements.url.value);
  if (!origin) return Promise.resolve();
  const token = form.elements.token.value.trim();
  return tokens("readwrite", (store) => (form.elements.remember.checked && token ? store.put(token, origin) : store.delete(origin)));
}

/** Fill in the token kept for the server whose URL is typed. */
async function recallToken(form) {
  const origin = originOf(form.elements.url.value);
  const token = origin ? await tokens("readonly", (store) => store.get(origin)).catch(() => undefined) : undefined;
  if (token && !form.elements.token.value) {
    form.elements.token.value = token;
    form.elements.remember.checked = true;
  }
}

/** A web address the page may fetch: https, or http on this device or when the app itself is on http. */
function checkedUrl(text, what) {
  const url = URL.canParse(text.trim()) ? new URL(text.trim()) : null;
  if (!url || !/^https?:$/.test(url.protocol)) throw new Refusal(`${what} must be a web address, http:// or https://.`);
  const local = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (url.protocol === "http:" && location.protocol === "https:" && !local) {
    throw new Refusal(`This app is served over https, so the browser lets it reach only https:// servers: use the server's https:// address.`);
  }
  url.hash = "";
  return url;
}

/** The progress row, the message, and the Cancel and Resume buttons of a dialog. */
function transferView(root) {
  const $ = (selector) => root.querySelector(selector);
  const bar = $("progress"), status = $(".pwa-transfer-status"), message = $(".pwa-transfer-message");
  return {
    progress(done, total, text) {
      $(".pwa-transfer-progress").hidden = false;
      bar.max = total || done || 1;
      bar.value = done;
      status.textContent = text;
    },
    say(text, kind = "info", link = null) {
      message.className = `pwa-transfer-message message-${kind}`;
      message.replaceChildren(text, ...(link ? [" ", Object.assign(document.createElement("a"), link)] : []));
      message.hidden = false;
    },
    busy(running) {
      $(".pwa-transfer-progress").hidden = !running && $("progress").value === 0;
      $(".pwa-transfer-cancel").hidden = !running;
      root.querySelector("form button[type=submit]").disabled = running;
    },
    resumable: (can) => ($(".pwa-transfer-resume").hidden = !can),
  };
}

/** A yes-or-no question in a <dialog>; resolves true for yes. */
function confirmDialog(title, text, yes) {
  const dialog = document.createElement("dialog");
  dialog.className = "pwa-transfer-confirm";
  dialog.innerHTML = '<form method="dialog"><h2></h2><p></p><button value="yes"></button> <button value="">Cancel</button></form>';
  dialog.querySelector("h2").textContent = title;
  dialog.querySelector("p").textContent = text;
  dialog.querySelector("button").textContent = yes;
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "yes");
      dialog.remove();
    });
    dialog.showModal();
  });
}

/**
 * Wire a dialog: its form's submit makes a job (makeJob(signal) resolves with {run(signal), stopped()}, or null to do
 * nothing) and runs it; Cancel aborts it; Resume runs the same job again, from where it stopped.
 */
function wire(root, makeJob) {
  const view = transferView(root);
  const form = root.querySelector("form");
  let job = null;
  let controller = null;
  const run = async (make) => {
    controller = new AbortController();
    root.querySelector(".pwa-transfer-message").hidden = true;
    view.busy(true);
    view.resumable(false);
    try {
      if (make) job = null;
      if (make) job = await makeJob(view, controller.signal);
      await job?.run(controller.signal);
    } catch (error) {
      const kind = controller.signal.aborted ? "warning" : "error";
      view.say(controller.signal.aborted ? job?.stopped() ?? "Cancelled." : error.message, kind);
      view.resumable(Boolean(job));
    } finally {
      view.busy(false);
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run(true);
  });
  form.elements.url.addEventListener("change", () => recallToken(form));
  root.querySelector(".pwa-transfer-cancel").addEventListener("click", () => controller?.abort());
  root.querySelector(".pwa-transfer-resume").addEventListener("click", () => run(false));
  return { form, view };
}

export { Refusal, rows, server, local, readUpTo, keepToken, checkedUrl, confirmDialog, wire };
