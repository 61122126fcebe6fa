// The worker's library: database files in a store (store-opfs.js: OPFS, kept across restarts; store-memory.js: in
// memory, where the browser gives no usable OPFS), their records (records.js), and Datasette told about each one
// (python/datasette_pwa/library.py). Files coming in: library-in.js; copies going out: library-out.js.
import { LIBRARY_DIRECTORY } from "./counters.js";
import { forgetInPlace, reopenInPlace, waiting } from "./library-inplace.js";
import * as records from "./records.js";
import { memoryStore } from "./store-memory.js";
import { opfsStore } from "./store-opfs.js";
/** @import { Database, LibraryApi } from "./protocol.js" */

export const MOUNT = `/${LIBRARY_DIRECTORY}`;
// Datasette's internal database (stored queries, its catalog), kept with the library so it survives restarts.
const INTERNAL = "internal.db";

/** What every part of the library works with: Python's modules, Emscripten's FS, the store, Datasette. */
export const lib = { py: null, importing: null, fs: null, store: null, ds: null };

let opened = []; // [name, path] of the databases openLibrary opened, for serveLibrary
let inPlace = []; // the same, of the databases opened in place (read-only)

/**
 * Boot step, before Datasette starts: choose the store (noOPFS resolves why OPFS cannot be used, or null), remove what
 * a crash left half-made, open every database and roll back any transaction a crash cut short.
 * Resolves {internal: path of Datasette's internal database, notices, persistent}.
 */
export async function openLibrary(pyodide, noOPFS) {
  Object.assign(lib, { fs: pyodide.FS, py: pyodide.pyimport("datasette_pwa.library"),
    importing: pyodide.pyimport("datasette_pwa.importing") });
  const reason = await noOPFS;
  lib.store = reason ? memoryStore(pyodide, MOUNT) : await opfsStore(pyodide, MOUNT);
  const notices = reason ? [memoryNotice(reason)] : [];
  if (reason) records.keepInMemory();
  const all = await records.all();
  for (const record of all.filter((r) => r.pending)) await records.remove(record.name);
  const databases = all.filter((r) => !r.pending && !r.inPlace);
  await lib.store.keepOnly([INTERNAL, ...databases.map((r) => r.file)]);
  inPlace = await reopenInPlace(pyodide, all.filter((r) => !r.pending && r.inPlace));
  const internal = (await openRecovered(INTERNAL, "Datasette's own records", notices)) ? pathOf(INTERNAL) : null;
  opened = [];
  for (const record of databases) {
    if (await openRecovered(record.file, record.name, notices)) opened.push([record.name, pathOf(record.file)]);
  }
  return { internal, notices, persistent: lib.store.persistent };
}

const memoryNotice = (reason) =>
  `Your databases are kept in memory only: ${reason}. They are here until this window closes; use Download to ` +
  "keep a copy. (A private window does this too; a normal window of Chrome, Edge, Firefox or Safari keeps them.)";

/** Boot step, once Datasette runs: serve the databases openLibrary opened. */
export async function serveLibrary(ds) {
  lib.ds = ds;
  await lib.py.add(ds, ...opened);
  if (inPlace.length) await lib.py.add.callKwargs(ds, ...inPlace, { read_only: true });
}

/** Open a file of the library and roll back a transaction a crash cut short; false (with a notice) if it cannot be. */
async function openRecovered(file, name, notices) {
  try {
    await lib.store.open(file);
    if (lib.py.recover(pathOf(file))) {
      notices.push(`${name}: a change that was being written when the app stopped was undone. Everything saved ` +
        "before it is there.");
    }
    lib.store.flush();
    return true;
  } catch (error) {
    notices.push(`${name} could not be opened (${error.message}); it is still in the library.`);
    return false;
  }
}

export const pathOf = (file) => lib.store.path(file);

/** Make every write durable, then note which databases changed (their size and time, for the library). */
export function flushWrites() {
  const written = lib.store?.flush() ?? [];
  if (written.length) markWritten(written).catch((error) => console.warn("library: could not note a write", error));
}

export async function markWritten(fileNames) {
  const sizes = {};
  for (const file of fileNames) if (lib.fs.analyzePath(pathOf(file)).exists) sizes[file] = lib.fs.stat(pathOf(file)).size;
  await records.written(sizes, Date.now());
}

/**
 * The library's own methods; library-in.js and library-out.js add theirs (worker.js puts them together).
 * @type {Pick<LibraryApi, "list" | "create" | "rename" | "remove" | "check">}
 */
export const libraryCore = {
  list: async () => (await records.databases()).map(describe),

  /** A new, empty database, named requested (or requested-2…). */
  async create(requested) {
    refuseBadName(requested);
    const record = await reserve(requested, { file: `${crypto.randomUUID()}.db`, size: 0, changed: Date.now(),
      handle: null, source: null });
    try {
      await lib.store.open(record.file);
      lib.py.create_empty(pathOf(record.file));
      lib.store.flush();
      await lib.py.add(lib.ds, [record.name, pathOf(record.file)]);
      const { pending, ...created } = { ...record, size: lib.fs.stat(pathOf(record.file)).size };
      await records.put(created);
      return describe(created);
    } catch (error) {
      await unreserve(record);
      throw error;
    }
  },

  async rename(name, newName) {
    if (newName === name) return describe(await find(name));
    refuseBadName(newName);
    const renamed = await records.rename(name, newName, servedNames());
    await lib.py.rename(lib.ds, name, newName);
    return describe(renamed);
  },

  async remove(name) {
    const record = await find(name);
    await lib.py.remove(lib.ds, name);
    await records.remove(name);
    if (record.inPlace) forgetInPlace(record);
    else await lib.store.discard(record.file);
  },

  /** SQLite's full integrity check: ["ok"] or the problems it found. */
  async check(name) {
    await find(name);
    const result = await lib.py.integrity(lib.ds, name);
    try {
      return result.toJs();
    } finally {
      result.destroy();
    }
  },
};

/** Reserve a unique name for a new database's record (stored pending until it is complete). */
export const reserve = (wanted, record) => records.reserve(wanted, servedNames(), record);

/** Undo reserve(): the record and whatever was copied so far. */
export async function unreserve(record) {
  await lib.store.discard(record.file);
  await records.remove(record.name);
}

function refuseBadName(name) {
  const problem = lib.py.name_problem(name);
  if (problem) throw new Error(problem);
}

export async function find(name) {
  const record = (await records.databases()).find((r) => r.name === name);
  if (!record) throw new Error(`There is no database called “${name}” in the library.`);
  return record;
}

/** Every name Datasette serves, _memory included, so that no database takes one. */
function servedNames() {
  const served = lib.py.names(lib.ds);
  try {
    return served.toJs();
  } finally {
    served.destroy();
  }
}

/**
 * What the shell shows of a record; url is the database's Datasette page (none while it waits: not served).
 * @returns {Database}
 */
export function describe({ name, size, changed, source, handle, inPlace = false }) {
  const waits = waiting.get(name) ?? null;
  return { name, size, changed, source, canSaveBack: Boolean(handle) && !inPlace, inPlace,
    waiting: waits, url: lib.py.url(lib.ds, name) };
}
