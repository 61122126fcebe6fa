// Starting Python with Datasette for the worker, in about half a second once it has run before. The first start
// boots Pyodide, writes site-packages (build.py's bundle) and warms Datasette up (python/datasette_pwa/warmup.py);
// it then keeps a memory snapshot of that interpreter (snapshot.js), which later starts restore instead.
// @ts-expect-error: build.py copies Pyodide's files into dist/pyodide/; their types are the npm package's (PyodideAPI).
import { loadPyodide } from "./pyodide/pyodide.mjs";
// @ts-expect-error: as above; Emscripten's module factory, which Pyodide's package has no types for.
import createPyodideModule from "./pyodide/pyodide.asm.mjs";
import { dropSnapshot, readSnapshot, saveSnapshot } from "./snapshot.js";
/** @import { PyodideAPI } from "pyodide" */

/**
 * Pyodide with site-packages, from same-origin files only. Resolves {pyodide, restored, keep}: keep() saves a new
 * snapshot after a normal start (null after a restore); call it once the app is ready, it is not urgent.
 * mark(name) notes how far it has come, for the console's boot line.
 */
export async function startPython(buildId, mark) {
  const index = fetch("./site-packages/index.json").then((response) => response.json());
  const saved = await readSnapshot(buildId).catch(() => null);
  mark("snapshot read");
  if (saved) {
    const sitePackages = loadSitePackages(index, saved["site-packages"]);
    try {
      const pyodide = await loadRuntime(saved.memory, sitePackages, mark);
      writeSitePackages(pyodide.FS, await sitePackages);
      mark("site-packages");
      return { pyodide, restored: true, keep: null };
    } catch (error) {
      console.warn("Could not restore the memory snapshot; starting normally.", error);
      await dropSnapshot();
    }
  }
  const sitePackages = loadSitePackages(index, null);
  const pyodide = await loadRuntime(null, sitePackages, mark);
  const files = await sitePackages;
  writeSitePackages(pyodide.FS, files);
  mark("site-packages");
  // SQLite 3.54 (APSW's) instead of Pyodide's 3.39, before anything imports sqlite3; a snapshot keeps it installed.
  pyodide.runPython("from datasette_pwa.sqlite3_apsw import install; install()");
  const memory = await snapshotAfterWarmUp(pyodide, files);
  mark("warm-up");
  const keep = memory && (() => saveSnapshot(buildId, { memory, "site-packages": files.bytes }));
  return { pyodide, restored: false, keep };
}

const OPTIONS = {
  indexURL: new URL("./pyodide/", import.meta.url).href,
  stdout: (line) => console.log(line),
  stderr: (line) => console.warn(line),
};

/**
 * Pyodide from a snapshot's memory, or started normally when memory is null (ready to be snapshotted); throws when a
 * restore cannot be done safely.
 * @returns {Promise<PyodideAPI>}
 */
async function loadRuntime(memory, sitePackages, mark) {
  let layout;
  const createModule = async (settings) => {
    syncDataToo(settings);
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
    if (memory) module.growMemory(memory.length);
    return module;
  };
  const snapshotting = memory ? { _loadSnapshot: memory } : { _makeSnapshot: true };
  const pyodide = await loadPyodide({ ...OPTIONS, ...snapshotting, createPyodideModule: createModule });
  if (!memory) {
    // Set from Python: pyodide.globals would leave a reference to JavaScript that a snapshot cannot hold.
    pyodide.runPython(`${DYNLIB_LAYOUT} = ${JSON.stringify(layout)}`);
  } else if (pyodide.runPython(DYNLIB_LAYOUT) !== layout) {
    throw new Error(`compiled libraries moved: ${layout}`);
  }
  mark("runtime");
  return pyodide;
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

// SQLite syncs with fdatasync(), which Emscripten answers with 0 without telling the filesystem (only fsync() reaches
// stream_ops.fsync): measured, a transaction wrote its journal and then the database with no flush in between, so a
// power cut could leave overwritten pages that no journal restores. Route fdatasync to fsync's implementation.
function syncDataToo(settings) {
  const instantiate = settings.instantiateWasm;
  settings.instantiateWasm = (imports, done) => {
    imports.env.__syscall_fdatasync = (fd) => -(imports.env.fd_sync(fd) ?? 0); // syscalls return -errno, WASI errno
    return instantiate(imports, done);
  };
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

/** After a normal boot: warm Datasette up (python/datasette_pwa/warmup.py) and snapshot the interpreter; null when
 * that cannot be done, which only costs later starts their speed. */
async function snapshotAfterWarmUp(pyodide, files) {
  try {
    await pyodide.runPythonAsync("from datasette_pwa.warmup import warm_up\nawait warm_up()");
    const preloaded = new Set(["__main__", ...files.dynlibs.map(([name]) => `${files.root}/${name}`)]);
    const late = Object.keys(pyodide._module.LDSO.loadedLibsByName).filter((path) => !preloaded.has(path));
    if (late.length) throw new Error(`libraries loaded after start-up (see preloadDynlibs): ${late}`);
    return pyodide.makeMemorySnapshot();
  } catch (error) {
    console.warn("No memory snapshot:", error);
    return null;
  }
}

