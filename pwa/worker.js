// The Datasette worker: starts Python (python-start.js) from the app's own files, starts Datasette
// (python/datasette_pwa) on the library's databases, answers REQUEST messages through it, and runs the library's CALLs.
import { flushWrites, libraryMethods, mountLibrary } from "./library.js";
import { MSG } from "./protocol.js";
import { startPython } from "./python-start.js";

let pyodide;
let app; // PyProxy of datasette_pwa.App

/** Tell the shell how far boot has come. */
function progress(stage, loaded, total) {
  postMessage({ type: MSG.PROGRESS, stage, loaded, total });
}

/** Once Python runs: Datasette itself. */
async function initDatasette(baseUrl) {
  progress("Starting Datasette");
  const { start } = pyodide.pyimport("datasette_pwa.app");
  app = await start(baseUrl, build.id);
}

/** Then the databases in the library, from OPFS. */
async function initLibrary() {
  progress("Opening your databases");
  return mountLibrary(pyodide, app.ds);
}

let build; // {id}: this worker's files and the service worker's precache come from this build

async function boot(baseUrl) {
  const t0 = performance.now();
  const marks = {};
  const mark = (name) => (marks[name] = Math.round(performance.now() - t0));
  build = await (await fetch("./build.json")).json();
  progress("Starting Python");
  const python = await startPython(build.id, mark);
  pyodide = python.pyodide;
  await initDatasette(baseUrl);
  mark("datasette");
  const notices = await initLibrary();
  mark("library");
  console.log("boot", python.restored ? "from snapshot" : "normal", JSON.stringify(marks));
  python.keep?.().catch((error) => console.warn("Could not keep the snapshot", error));
  const versions = JSON.parse(
    pyodide.runPython(
      "import json, sys, sqlite3, datasette; json.dumps({'python': sys.version.split()[0], " +
        "'datasette': datasette.__version__, 'sqlite': sqlite3.sqlite_version})",
    ),
  );
  return { versions: { ...versions, pyodide: pyodide.version, build: build.id }, notices };
}

/** Answer one relayed request; Datasette's own error pages come back as ordinary responses. */
async function handle({ id, method, url, headers, body }) {
  await ready;
  const pyHeaders = pyodide.toPy(headers);
  const pyBody = body && pyodide.toPy(new Uint8Array(body));
  try {
    const reply = await app.handle(method, url, pyHeaders, pyBody);
    const [status, replyHeaders, bytes] = reply.toJs();
    reply.destroy();
    // Emscripten drops SQLite's fsync: make any write durable in OPFS before the page hears it is done.
    flushWrites();
    // toJs() copied the body into a Uint8Array that owns its buffer, so the buffer can be transferred.
    postMessage({ type: MSG.RESPONSE, id, status, headers: replyHeaders, body: bytes.buffer }, [bytes.buffer]);
  } finally {
    pyHeaders.destroy();
    pyBody?.destroy();
  }
}

/** Run one library method for the shell; errors go back as sentences for the user. */
async function call({ id, method, args }) {
  try {
    await ready;
    const value = await libraryMethods[method](...args);
    postMessage({ type: MSG.RESULT, id, value });
  } catch (error) {
    postMessage({ type: MSG.RESULT, id, error: error.message });
    failIfFatal(error);
  }
}

// Pyodide cannot go on after a fatal error (every later call fails). Make it a crash the shell sees, so it restarts
// the worker, instead of answering every request with an error from then on.
function failIfFatal(error) {
  if (error?.pyodide_fatal_error) setTimeout(() => {
    throw error;
  });
}
addEventListener("unhandledrejection", (event) => failIfFatal(event.reason));

let ready;
onmessage = ({ data }) => {
  if (data.type === MSG.BOOT) {
    ready = boot(data.baseUrl);
    ready.then(
      ({ versions, notices }) => postMessage({ type: MSG.READY, versions, notices }),
      (error) => postMessage({ type: MSG.FAILED, error: String(error) }),
    );
  } else if (data.type === MSG.REQUEST) {
    handle(data).catch((error) => {
      postMessage({ type: MSG.RESPONSE, id: data.id, error: String(error) });
      failIfFatal(error);
    });
  } else if (data.type === MSG.CALL) {
    call(data);
  } else if (data.type === MSG.PING) {
    postMessage({ type: MSG.PONG });
  }
};
