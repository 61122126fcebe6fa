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

/** Boot step 1: the Python runtime with site-packages, from same-origin files only, from this build's snapshot when
 * there is one. Resolves whether it restored a snapshot. */
async function initRuntime(memory, sitePackages, mark) {
  progress("Starting Python");
  const options = {
    indexURL: new URL("./pyodide/", import.meta.url).href,
    stdout: (line) => console.log(line),
    stderr: (line) => console.warn(line),
  };
  let layout;
  const createModule = (snapshot) => async (settings) => {
    let preloaded;
    settings.preRun.push((module) => {
      module.addRunDependency("preloadDynlibs");
      preloaded = preloadDynlibs(module, sitePackages).finally(() => module.removeRunDependency("preloadDynlibs"));
    });
    const module = await createPyodideModule(settings);
    layout = await preloaded;
    mark("module");
    // The snapshot is bigger than the module's initial memory, and restoring it does not grow the memory
    // (pyodide issue 6254: "offset is out of bounds"): grow it as soon as the module exists.
    if (snapshot) module.growMemory(snapshot.length);
    return module;
  };
  if (memory) {
    try {
      pyodide = await loadPyodide({ ...options, _loadSnapshot: memory, createPyodideModule: createModule(memory) });
      if (pyodide.runPython(DYNLIB_LAYOUT) !== layout) throw new Error(`compiled libraries moved: ${layout}`);
      mark("runtime");
      writeSitePackages(pyodide.FS, await sitePackages);
      return true;
    } catch (error) {
      console.warn("Could not restore the memory snapshot; starting normally.", error);
      await dropSnapshot();
    }
  }
  pyodide = await loadPyodide({ ...options, _makeSnapshot: true, createPyodideModule: createModule(null) });
  mark("runtime");
  writeSitePackages(pyodide.FS, await sitePackages);
  // Set from Python: pyodide.globals would leave a reference to JavaScript that a snapshot cannot hold.
  pyodide.runPython(`${DYNLIB_LAYOUT} = ${JSON.stringify(layout)}`);
  return false;
}

/**
 * Datasette, its dependencies and our package: build.py's site-packages bundle, from the snapshot's unzipped copy
 * (unzipping took 0.1 s on the start path) or else fetched and unzipped; its compiled libraries compiled.
 */
async function loadSitePackages(index, saved) {
  const unzip = async () => {
    const response = await fetch("./site-packages/files.gz");
    return new Uint8Array(await new Response(response.body.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
  };
  const [{ root, files, dynlibs }, bytes] = await Promise.all([index, saved ?? unzip()]);
  const at = {};
  files.reduce((offset, [name, size]) => ((at[name] = bytes.subarray(offset, offset + size)), offset + size), 0);
  const compiled = await Promise.all(dynlibs.map(async (name) => [name, await WebAssembly.compile(at[name])]));
  return { root, files: Object.entries(at), dynlibs: compiled, bytes };
}

/** Site-packages live in Pyodide's filesystem, which a memory snapshot does not hold: written on every start, once
 * Python has started (it lists the packages it finds at start-up in a JavaScript object, which a snapshot cannot hold). */
function writeSitePackages(FS, { root, files }) {
  const made = new Set();
  for (const [name, bytes] of files) {
    const path = `${root}/${name}`;
    const directory = path.slice(0, path.lastIndexOf("/"));
    if (!made.has(directory)) FS.mkdirTree(directory);
    made.add(directory);
    // canOwn: the file keeps its slice of the bundle instead of a copy (a quarter of the time).
    FS.writeFile(path, bytes, { canOwn: true });
  }
}

// A memory snapshot holds the wasm memory but not the table of functions that loading a compiled library adds to:
// restored alone, a library imported before the snapshot fails with "table index is out of bounds". So each library
// (pydantic's core) is loaded before Python starts (an Emscripten preRun, as Emscripten loads a program's own
// dynamicLibraries), in both kinds of boot: the module is in the same state then, so the library lands at the same
// memory and table addresses every time, and a snapshot's memory (with the library's live data) then goes on top.
// Python's own dlopen of the same path later finds it loaded. Resolves where they landed, which a snapshot records
// (DYNLIB_LAYOUT) and a restore checks.
const DYNLIB_LAYOUT = "_datasette_pwa_dynlib_layout";

async function preloadDynlibs(module, sitePackages) {
  const { root, dynlibs } = await sitePackages;
  const layout = [];
  for (const [name, compiled] of dynlibs) {
    // Emscripten's loader writes the library's memory and table base into a struct dso: a zeroed one on the stack.
    const stack = module.stackSave();
    const handle = module.stackAlloc(64);
    module.HEAPU8.fill(0, handle, handle + 64);
    try {
      // What Emscripten's loadDynamicLibrary does, but from the compiled module: it only reads files once running.
      const exports = await module.loadWebAssemblyModule(compiled, { loadAsync: true, nodelete: true }, `${root}/${name}`, {}, handle);
      module.newDSO(`${root}/${name}`, undefined, exports).global = false;
      layout.push([name, module.HEAPU32[(handle + 12) >> 2], module.HEAPU32[(handle + 20) >> 2]]);
    } finally {
      module.stackRestore(stack);
    }
  }
  return JSON.stringify(layout);
}

/** After a normal boot: warm Datasette up (python/datasette_pwa/warmup.py) and snapshot the interpreter. */
async function snapshotAfterWarmUp(files) {
  await pyodide.runPythonAsync("from datasette_pwa.warmup import warm_up\nawait warm_up()");
  const preloaded = new Set(["__main__", ...files.dynlibs.map(([name]) => `${files.root}/${name}`)]);
  const late = Object.keys(pyodide._module.LDSO.loadedLibsByName).filter((path) => !preloaded.has(path));
  if (late.length) {
    console.warn("No memory snapshot: these libraries were loaded after start-up, see preloadDynlibs:", late);
    return null;
  }
  return pyodide.makeMemorySnapshot();
}

/** Boot step 2: Datasette itself. */
async function initDatasette(baseUrl) {
  progress("Starting Datasette");
  const { start } = pyodide.pyimport("datasette_pwa.app");
  app = await start(baseUrl, build.id);
}

/** Boot step 3: the databases in the library, from OPFS. */
async function initLibrary() {
  progress("Opening your databases");
  return mountLibrary(pyodide, app.ds);
}

let build; // {id}: this worker's files and the service worker's precache come from this build

async function boot(baseUrl) {
  const t0 = performance.now();
  const marks = {};
  const mark = (name) => (marks[name] = Math.round(performance.now() - t0));
  const index = fetch("./site-packages/index.json").then((response) => response.json());
  build = await (await fetch("./build.json")).json();
  const saved = await readSnapshot(build.id).catch(() => null);
  mark("snapshot read");
  let sitePackages = loadSitePackages(index, saved?.["site-packages"]);
  const restored = await initRuntime(saved?.memory, sitePackages, mark);
  mark("site-packages");
  if (saved && !restored) sitePackages = loadSitePackages(index, null); // the saved copy is suspect too
  const snapshot = restored ? null : await snapshotAfterWarmUp(await sitePackages);
  mark("warm-up");
  await initDatasette(baseUrl);
  mark("datasette");
  const notices = await initLibrary();
  mark("library");
  console.log("boot", restored ? "from snapshot" : "normal", JSON.stringify(marks));
  if (snapshot) {
    const parts = { memory: snapshot, "site-packages": (await sitePackages).bytes };
    saveSnapshot(build.id, parts).catch((error) => console.warn("Could not keep the snapshot", error));
  }
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
