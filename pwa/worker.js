// The Datasette worker: boots Pyodide from the app's own files, installs the bundled wheels,
// starts Datasette (python/datasette_pwa) on the library's databases, answers REQUEST messages through it,
// and runs the library's CALLs.
import { loadPyodide } from "./pyodide/pyodide.mjs";
import createPyodideModule from "./pyodide/pyodide.asm.mjs";
import { flushWrites, libraryMethods, mountLibrary } from "./library.js";
import { MSG } from "./protocol.js";
import { dropSnapshot, readSnapshot, saveSnapshot } from "./snapshot.js";

let pyodide;
let app; // PyProxy of datasette_pwa.App

/** Tell the shell how far boot has come. */
function progress(stage, loaded, total) {
  postMessage({ type: MSG.PROGRESS, stage, loaded, total });
}

/** Boot step 1: the Python runtime, from same-origin files only: from this build's snapshot when there is one. */
async function initRuntime() {
  progress("Starting Python");
  const options = {
    indexURL: new URL("./pyodide/", import.meta.url).href,
    stdout: (line) => console.log(line),
    stderr: (line) => console.warn(line),
  };
  const snapshot = await readSnapshot(build.id).catch(() => null);
  if (snapshot) {
    try {
      // The snapshot is bigger than the module's initial memory, and restoring it does not grow the memory
      // (pyodide issue 6254: "offset is out of bounds"): grow it as soon as the module exists.
      const createModule = async (settings) => {
        const [module, bytes] = await Promise.all([createPyodideModule(settings), snapshot]);
        module.growMemory(bytes.length);
        return module;
      };
      pyodide = await loadPyodide({ ...options, _loadSnapshot: snapshot, createPyodideModule: createModule });
      return true;
    } catch (error) {
      console.warn("Could not restore the memory snapshot; starting normally.", error);
      await dropSnapshot();
    }
  }
  pyodide = await loadPyodide({ ...options, _makeSnapshot: true });
  return false;
}

// Imported before the snapshot: Datasette's dependencies, not Datasette itself. It imports pydantic, whose compiled
// core is a dynamic library, and a Pyodide snapshot does not restore a dynamic library's function table: restored
// that way, Datasette's table pages failed with "table index is out of bounds".
const SNAPSHOT_IMPORTS = "jinja2, markupsafe, httpx2, sqlite_utils, yaml, click, pluggy, itsdangerous, asyncinject, " +
  "mergedeep, aiofiles, dateutil, opentelemetry.trace, tabulate, markdown, bleach";

/** After a normal boot: import what is safe to keep, snapshot the interpreter, and keep it for the next start. */
function snapshotAfterImports() {
  pyodide.runPython(`import ${SNAPSHOT_IMPORTS}`);
  const dynamicLibraryLoaded = pyodide.runPython("import sys; any(m.startswith('pydantic_core') for m in sys.modules)");
  return dynamicLibraryLoaded ? null : pyodide.makeMemorySnapshot();
}

/** The wheels' bytes, fetched while the runtime starts: [[file name, ArrayBuffer]...]. */
async function fetchWheels() {
  const files = await (await fetch("./wheels/index.json")).json();
  return Promise.all(files.map(async (name) => [name, await (await fetch(`./wheels/${name}`)).arrayBuffer()]));
}

/** Boot step 2: unpack Datasette, its dependencies and our package into site-packages. */
async function initPackages(wheels) {
  const sitePackages = pyodide.runPython("import sysconfig; sysconfig.get_path('purelib')");
  for (const [index, [name, bytes]] of (await wheels).entries()) {
    pyodide.unpackArchive(bytes, name.endsWith(".whl") ? "wheel" : "zip", { extractDir: sitePackages });
    progress("Installing Datasette", index + 1, (await wheels).length);
  }
}

/** Boot step 3: Datasette itself. */
async function initDatasette(baseUrl) {
  progress("Starting Datasette");
  const { start } = pyodide.pyimport("datasette_pwa.app");
  app = await start(baseUrl, build.id);
}

/** Boot step 4: the databases in the library, from OPFS. */
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
  const wheels = fetchWheels();
  const restored = await initRuntime();
  mark("runtime");
  // Site-packages live in the Emscripten filesystem, which a memory snapshot does not hold: unpack them either way.
  await initPackages(wheels);
  mark("packages");
  const snapshot = restored ? null : snapshotAfterImports();
  mark("imports");
  await initDatasette(baseUrl);
  mark("datasette");
  const notices = await initLibrary();
  mark("library");
  console.log("boot", restored ? "from snapshot" : "normal", JSON.stringify(marks));
  if (snapshot) saveSnapshot(build.id, snapshot).catch((error) => console.warn("Could not keep the snapshot", error));
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
