// Storage benchmark worker: Pyodide plus the app's own opfs-fs.js (both copied next to this file by bench/common.py),
// so a query can run on the same file in OPFS (as the app's library keeps it) and in MEMFS.
import { loadPyodide } from "./pyodide/pyodide.mjs";
import { mountOPFS, openDatabase } from "./opfs-fs.js";

let pyodide;
let directory;

const ops = {
  async boot() {
    pyodide = await loadPyodide({ indexURL: new URL("./pyodide/", import.meta.url).href });
    directory = await mountOPFS(pyodide, "/library");
    return pyodide.version;
  },
  // APSW's wheel (copied here by bench/common.py) and the app's sqlite3 module over it, importable as sqlite3_apsw.
  async install(wheel, files) {
    await pyodide.loadPackage(new URL(`./${wheel}`, import.meta.url).href);
    for (const [path, text] of Object.entries(files)) {
      pyodide.FS.mkdirTree(`/home/pyodide/${path.slice(0, path.lastIndexOf("/"))}`);
      pyodide.FS.writeFile(`/home/pyodide/${path}`, text);
    }
  },
  // Streamed into OPFS the way the app's library imports a file, then opened for SQLite.
  async toOpfs(file, name) {
    const target = await directory.getFileHandle(name, { create: true });
    await file.stream().pipeTo(await target.createWritable());
    await openDatabase(name);
    return `/library/${name}`;
  },
  async toMemfs(file, name) {
    pyodide.FS.writeFile(`/tmp/${name}`, new Uint8Array(await file.arrayBuffer()));
    // An empty journal, as opfs-fs.js always has: without it every read transaction's hot-journal check
    // fails with ENOENT, a thrown JS exception that costs more than the read itself.
    pyodide.FS.writeFile(`/tmp/${name}-journal`, new Uint8Array(0));
    return `/tmp/${name}`;
  },
  // Baselines for the app's import: read a File through, or write it with a sync access handle; ms taken. Both read
  // as the app's copyIn does, into one reused 1 MB buffer (a BYOB reader).
  async readOnly(file) {
    const t = performance.now();
    const reader = file.stream().getReader({ mode: "byob" });
    for (let buffer = new ArrayBuffer(1 << 20); ; ) {
      const { done, value } = await reader.read(new Uint8Array(buffer));
      if (done) break;
      buffer = value.buffer;
    }
    return performance.now() - t;
  },
  async syncWrite(file, name) {
    const t = performance.now();
    const target = await directory.getFileHandle(name, { create: true });
    const handle = await target.createSyncAccessHandle();
    const reader = file.stream().getReader({ mode: "byob" });
    for (let at = 0, buffer = new ArrayBuffer(1 << 20); ; ) {
      const { done, value } = await reader.read(new Uint8Array(buffer));
      if (done) break;
      at += handle.write(value, { at });
      buffer = value.buffer;
    }
    handle.flush();
    handle.close();
    const ms = performance.now() - t;
    await directory.removeEntry(name);
    return ms;
  },
  // Run Python whose last expression is a JSON string.
  py: (code) => JSON.parse(pyodide.runPython(code)),
};

onmessage = async ({ data: { id, op, args } }) => {
  try {
    postMessage({ id, result: await ops[op](...args) });
  } catch (e) {
    postMessage({ id, error: `${e?.name}: ${e?.message}` });
  }
};
