// The shell's side of the Datasette worker: starts it, relays the service worker's requests to it,
// and fails pending requests cleanly when the worker dies or is restarted.
import { MSG } from "./protocol.js";

// The worker answers PING between tasks. Datasette stops any SQL after a second (sql_time_limit_ms), so silence this
// long outside a library call (which may run VACUUM or integrity_check over gigabytes) means it hung or died.
const HEARTBEAT_MS = 2000;
const HUNG_MS = 15_000;

export class Runtime extends EventTarget {
  #worker = null;
  #heartbeat = null;
  #lastPong = 0;
  #pending = new Map(); // request id -> reply MessagePort of the service worker
  #calls = new Map(); // call id -> {resolve, reject}
  #nextCall = 1;
  #ready = null;

  /** baseUrl: the absolute path Datasette is mounted at, e.g. "/ds/". */
  constructor(baseUrl) {
    super();
    this.baseUrl = baseUrl;
  }

  /** Start (or restart) the worker; resolves with {versions, notices} once Datasette answers. */
  start() {
    this.#stopWorker("Datasette was restarted while this page was loading.");
    const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    this.#worker = worker;
    this.#ready = new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => {
        if (data.type === MSG.RESPONSE) this.#answer(data);
        else if (data.type === MSG.PONG) this.#lastPong = Date.now();
        else if (data.type === MSG.RESULT) this.#settle(data);
        else if (data.type === MSG.PROGRESS) this.#emit("progress", data);
        else if (data.type === MSG.IMPORT_PROGRESS) this.#emit("import-progress", data);
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
    // Attach a handler so a failed boot before anyone awaits does not become an unhandled rejection.
    this.#ready.then(() => this.#listenForPulse(worker), () => {});
    worker.postMessage({ type: MSG.BOOT, baseUrl: this.baseUrl });
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

  /** Relay one request from the service worker; the answer goes back on its reply port. */
  relay(request, replyPort) {
    if (!this.#worker) {
      replyPort.postMessage({ type: MSG.RESPONSE, id: request.id, notOwner: true });
      return;
    }
    this.#pending.set(request.id, replyPort);
    this.#worker.postMessage(request, request.body ? [request.body] : []);
  }

  /** Call a library method in the worker (see protocol.js LIBRARY); rejects with a message for the user. */
  async call(method, ...args) {
    await this.#ready;
    const id = this.#nextCall++;
    return new Promise((resolve, reject) => {
      this.#calls.set(id, { resolve, reject });
      this.#worker.postMessage({ type: MSG.CALL, id, method, args });
    });
  }

  #settle({ id, value, error }) {
    const call = this.#calls.get(id);
    this.#calls.delete(id);
    if (error === undefined) call.resolve(value);
    else call.reject(new Error(error));
  }

  #answer(response) {
    const port = this.#pending.get(response.id);
    if (!port) return;
    this.#pending.delete(response.id);
    port.postMessage(response, response.body ? [response.body] : []);
  }

  /** Ping the worker; restart it (as a crash) when it stays silent while no library call is running. */
  #listenForPulse(worker) {
    if (worker !== this.#worker) return;
    this.#lastPong = Date.now();
    this.#heartbeat = setInterval(() => {
      if (this.#calls.size > 0) this.#lastPong = Date.now();
      if (Date.now() - this.#lastPong > HUNG_MS) this.#crashed(new Error("Datasette stopped responding."));
      else worker.postMessage({ type: MSG.PING });
    }, HEARTBEAT_MS);
  }

  #crashed(error) {
    this.#stopWorker(`The Datasette worker stopped: ${error.message}`);
    this.#emit("crash", { error });
  }

  /** Terminate the worker and answer every request still waiting on it with an error. */
  #stopWorker(reason) {
    clearInterval(this.#heartbeat);
    this.#worker?.terminate();
    this.#worker = null;
    for (const [id, port] of this.#pending) port.postMessage({ type: MSG.RESPONSE, id, error: reason });
    this.#pending.clear();
    for (const call of this.#calls.values()) call.reject(new Error(reason));
    this.#calls.clear();
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
