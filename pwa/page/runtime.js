// The shell's side of the Datasette worker: starts it, relays the service worker's requests to it,
// and fails pending requests cleanly when the worker dies or is restarted.
import { MSG } from "../shared/protocol.js";
/**
 * @import { FromWorker, LibraryApi, LibraryResult, ReadyMessage, RequestMessage, ResultMessage, Settings }
 *   from "../shared/protocol.js"
 */

// The worker answers PING between tasks. While it answers no request and runs no library call, this much silence
// means it died or hung.
const HEARTBEAT_MS = 2000;
const HUNG_MS = 15_000;

export class Runtime extends EventTarget {
  #worker = null;
  #heartbeat = null;
  #lastHeard = 0;
  /** @type {Map<number, {port: MessagePort, url: string}>} */
  #pending = new Map(); // request id -> reply MessagePort of the service worker and the URL, until its answer has ended
  /** @type {Map<number, {resolve: (value: unknown) => void, reject: (error: Error) => void}>} */
  #calls = new Map(); // call id -> {resolve, reject}
  #nextCall = 1;
  /** @type {Promise<ReadyMessage>} */
  #ready = null;
  #stopped = null; // rejects #ready when the worker is stopped before it is ready
  /**
   * What the worker runs with: {sqlTimeLimitMs}, from its READY message.
   * @type {Settings}
   */
  settings = {};
  /** Whether the library is kept across restarts (false: in memory only), from its READY message. */
  persistent = true;

  /** baseUrl: the absolute path Datasette is mounted at, e.g. "/ds/". */
  constructor(baseUrl) {
    super();
    this.baseUrl = baseUrl;
  }

  /**
   * Start (or restart) the worker with settings (settings.js); resolves with {versions, notices, settings} once
   * Datasette answers, rejects if it fails or is stopped first.
   * @param {Settings} settings
   * @param {string[]} [setAside] databases the worker is not to open (crash-counts.js)
   * @returns {Promise<ReadyMessage>}
   */
  start(settings, setAside = []) {
    this.#stopWorker("Datasette was restarted while this page was loading.");
    const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    this.#worker = worker;
    this.#ready = new Promise((resolve, reject) => {
      this.#stopped = reject;
      worker.onmessage = (/** @type {MessageEvent<FromWorker>} */ { data }) => {
        this.#lastHeard = Date.now();
        if (data.type === MSG.RESPONSE || data.type === MSG.BODY) this.#answer(data);
        else if (data.type === MSG.RESULT) this.#settle(data);
        else if (data.type === MSG.PROGRESS) this.#emit("progress", data);
        else if (data.type === MSG.IMPORT_PROGRESS) this.#emit("import-progress", data);
        else if (data.type === MSG.FAULT) this.#emit("fault", data);
        else if (data.type === MSG.READY) resolve(data);
        else if (data.type === MSG.FAILED) reject(new Error(data.error));
      };
      worker.onerror = (event) => {
        event.preventDefault();
        const error = new Error(event.message || "The Datasette worker crashed.");
        reject(error);
        this.#crashed(error);
      };
    });
    this.#ready.then(
      (ready) => {
        this.settings = ready.settings;
        this.persistent = ready.persistent;
        this.#listenForPulse(worker);
      },
      () => {}, // a failed boot is the caller's to report; this only keeps it from being an unhandled rejection
    );
    worker.postMessage({ type: MSG.BOOT, baseUrl: this.baseUrl, settings, setAside });
    return this.#ready;
  }

  /** Whether a worker is running (this window owns the library). */
  get running() {
    return this.#worker !== null;
  }

  /** Stop the worker (another window takes over); requests still waiting get `reason` as their error. */
  stop(reason) {
    this.#stopWorker(reason);
  }

  /**
   * Stop the worker on purpose (a Cancel it cannot hear while a statement runs) and start it again: calls and requests
   * still waiting fail with reason; the "crash" event says it was deliberate.
   */
  interrupt(reason) {
    this.#stopWorker(reason);
    this.#emit("crash", { error: new Error(reason), urls: [], deliberate: true });
  }

  /** Change settings in the running worker. */
  configure(settings) {
    this.settings = { ...this.settings, ...settings };
    this.#worker?.postMessage({ type: MSG.SETTINGS, settings: this.settings });
  }

  /**
   * Relay one request from the service worker; the answer goes back on its reply port, which also carries ACKs.
   * @param {RequestMessage} request
   * @param {MessagePort} replyPort
   */
  relay(request, replyPort) {
    if (!this.#worker) {
      replyPort.postMessage({ type: MSG.RESPONSE, id: request.id, notOwner: true });
      return;
    }
    this.#pending.set(request.id, { port: replyPort, url: request.url });
    replyPort.onmessage = ({ data }) => this.#worker?.postMessage(data); // ACK, CANCEL
    this.#worker.postMessage(request, request.body ? [request.body] : []);
  }

  /**
   * Call a library method in the worker (protocol.js LibraryApi lists them); rejects with a message for the user.
   * @template {keyof LibraryApi} M
   * @param {M} method
   * @param {Parameters<LibraryApi[M]>} args
   * @returns {Promise<LibraryResult<M>>}
   */
  async call(method, ...args) {
    await this.#ready;
    const id = this.#nextCall++;
    return new Promise((resolve, reject) => {
      this.#calls.set(id, { resolve, reject });
      this.#worker.postMessage({ type: MSG.CALL, id, method, args });
    });
  }

  /** @param {ResultMessage} result */
  #settle({ id, value, error }) {
    const call = this.#calls.get(id);
    this.#calls.delete(id);
    if (error === undefined) call.resolve(value);
    else call.reject(new Error(error));
  }

  /** Pass part of an answer on; the port is done with once the answer is whole. */
  #answer(message) {
    const { port, url } = this.#pending.get(message.id) ?? {};
    if (!port) return;
    const last = message.type === MSG.RESPONSE ? !message.more : message.end || message.error !== undefined;
    if (last) this.#pending.delete(message.id);
    if (message.type === MSG.RESPONSE && message.status < 500) this.#emit("answered", { url });
    const buffer = message.body ?? message.chunk;
    port.postMessage(message, buffer ? [buffer] : []);
  }

  /**
   * Ping the worker; restart it (as a crash) when it stays silent too long. A worker that is answering a request
   * may be silent for as long as the SQL time limit lets one query run (it cannot answer a ping meanwhile); one
   * running a library call (VACUUM or integrity_check over gigabytes) as long as that takes.
   */
  #listenForPulse(worker) {
    if (worker !== this.#worker) return;
    this.#lastHeard = Date.now();
    this.#heartbeat = setInterval(() => {
      const allowed = this.#pending.size ? HUNG_MS + this.settings.sqlTimeLimitMs : HUNG_MS;
      if (this.#calls.size > 0) this.#lastHeard = Date.now();
      if (Date.now() - this.#lastHeard > allowed) this.#crashed(new Error("Datasette stopped responding."));
      else worker.postMessage({ type: MSG.PING });
    }, HEARTBEAT_MS);
  }

  /** The worker died or hung: say so with the pages it was answering (crash-counts.js), then stop it. */
  #crashed(error) {
    const urls = [...this.#pending.values()].map(({ url }) => url);
    this.#stopWorker(`The Datasette worker stopped: ${error.message}`);
    this.#emit("crash", { error, urls });
  }

  /** Terminate the worker and answer everything still waiting on it with an error. */
  #stopWorker(reason) {
    clearInterval(this.#heartbeat);
    this.#worker?.terminate();
    this.#worker = null;
    this.#stopped?.(new Error(reason));
    for (const [id, { port }] of this.#pending) port.postMessage({ type: MSG.BODY, id, error: reason });
    this.#pending.clear();
    for (const call of this.#calls.values()) call.reject(new Error(reason));
    this.#calls.clear();
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
