// The worker's library: database files in a store (store-opfs.js: OPFS, kept across restarts; store-memory.js: in
// memory, where the browser gives no usable OPFS), their records (records.js), and Datasette told about each one
// (python/datasette_pwa/library.py). Files coming in: library-in.js; copies going out: library-out.js.
import { LIBRARY_DIRECTORY } from "../shared/counters.js";
import { forgetInPlace, reopenInPlace, waiting } from "./library-inplace.js";
import * as records from "../shared/records.js";
import { memoryStore } from "./store-memory.js";
import { opfsStore } from "./store-opfs.js";
/** @import { Database, LibraryApi } from "../shared/protocol.js" */

export const MOUNT = `/${LIBRARY_DIRECTORY}`;
// Datasette's internal database (stored queries, its catalog), kept with the library so it survives restarts.
const INTERNAL = "internal.db";

/** What every part of the library works with: Python's modules, Emscripten's FS, the store, Datasette. */
export const lib = { py: null, importing: null, fs: null, store: null, ds: null };

let opened = []; // [name, path] of the databases openLibrary opened, for serveLibrary
let inPlace = []; // the same, of the databases opened in place (read-only)
// Databases set aside before Datasette saw them, name -> why (in words): their file could not be opened, or their
// pages crashed the worker twice in a row (crash-counts.js). Those SQLite cannot read Python sets aside itself.
const notOpened = new Map();

/**
 * Boot step, before Datasette starts: choose the store (noOPFS resolves why OPFS cannot be used, or null), remove what
 * a crash left half-made, open every database and roll back any transaction a crash cut short.
 * Resolves {internal: path of Datasette's internal database, notices, persistent}.
 */
export async function openLibrary(pyodide, noOPFS, crashed = []) {
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
    if (crashed.includes(record.name)) notOpened.set(record.name, CRASHED);
    else if (await openRecovered(record.file, record.name, notices)) opened.push([record.name, pathOf(record.file)]);
  }
  return { internal, notices, persistent: lib.store.persistent };
}

const CRASHED = "the app stopped twice in a row while showing its pages, so it was set aside for the rest to start. " +
  "Try again, or Download it and open it in another SQLite program.";

const memoryNotice = (reason) =>
  `Your databases are kept in memory only: ${reason}. They are here until this window closes; use Download to ` +
  "keep a copy. (A private window does this too; a normal window of Chrome, Edge, Firefox or Safari keeps them.)";

/**
 * Boot step, once Datasette runs: serve the databases openLibrary opened. Those SQLite cannot read are set aside
 * (python/datasette_pwa/standalone.py): returns a notice for each.
 */
export async function serveLibrary(ds) {
  lib.ds = ds;
  const problems = [await serve(opened), await serve(inPlace, { read_only: true })];
  return problems.flatMap((found) => Object.entries(found).map(([name, why]) => `${name} can't be opened: ${why}`));
}

/**
 * Serve [name, path] pairs (options: Python keyword arguments); resolves {name: why} for those set aside.
 * @param {[string, string][]} databases
 * @returns {Promise<Record<string, string>>}
 */
export async function serve(databases, options = {}) {
  if (!databases.length) return {};
  const found = await lib.py.add.callKwargs(lib.ds, ...databases, options);
  try {
    return found.toJs({ dict_converter: Object.fromEntries });
  } finally {
    found.destroy();
  }
}

/**
 * Serve one new database; if SQLite cannot read it, it is not added: throws why, in words, for a file called fileName.
 * @param {string} name @param {string} path @param {string} fileName @param {object} [options] as serve()'s
 */
export async function serveNew(name, path, fileName, options = {}) {
  const why = (await serve([[name, path]], options))[name];
  if (!why) return;
  await lib.py.remove(lib.ds, name);
  throw new Error(`${fileName} was not added: ${why}.`);
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
    notOpened.set(name, `its file could not be opened (${error.message})`);
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
 * @type {Pick<LibraryApi, "list" | "create" | "rename" | "remove" | "check" | "retry">}
 */
export const libraryCore = {
  list: async () => (await records.databases()).map(describe),

  /** A new, empty database, named requested (or requested-2…). */
  create: async (requested) => describe(await keep(await makeEmpty(requested))),

  async rename(name, newName) {
    if (newName === name) return describe(await find(name));
    refuseBadName(newName);
    const renamed = await records.rename(name, newName, servedNames());
    await lib.py.rename(lib.ds, name, newName);
    return describe(renamed);
  },

  async remove(name) {
    const record = await find(name);
    notOpened.delete(name);
    await lib.py.remove(lib.ds, name);
    await records.remove(name);
    if (record.inPlace) forgetInPlace(record);
    else await lib.store.discard(record.file);
  },

  /** Try to open and serve a database that could not be opened, again: its file may have been mended meanwhile. */
  async retry(name) {
    const record = await find(name);
    if (!problemOf(name) || record.inPlace) return describe(record);
    const notices = [];
    notOpened.delete(name);
    await lib.py.remove(lib.ds, name); // forgets why Python set it aside
    if (await openRecovered(record.file, name, notices)) await serve([[name, pathOf(record.file)]]);
    return describe(record);
  },

  /**
   * SQLite's full integrity check: ["ok"] or the problems it found. One SQLite cannot read is checked from its file;
   * one never opened (its pages crashed the worker, or its file could not be opened) gets the reason.
   */
  async check(name) {
    const record = await find(name);
    const problem = problemOf(name);
    if (problem && (notOpened.has(name) || record.inPlace)) return [problem];
    const result = problem ? lib.py.check_file(pathOf(record.file)) : await lib.py.integrity(lib.ds, name);
    try {
      return result.toJs();
    } finally {
      result.destroy();
    }
  },
};

/**
 * A new, empty database, served, named requested (or requested-2…); its record stays pending until keep(): a new
 * database that an import fills is kept only once the import succeeded, so a worker stopped mid-import (a Cancel of a
 * statement that would not end) leaves no empty database behind.
 */
export async function makeEmpty(requested) {
  refuseBadName(requested);
  const record = await reserve(requested, { file: `${crypto.randomUUID()}.db`, size: 0, changed: Date.now(),
    handle: null, source: null });
  try {
    await lib.store.open(record.file);
    lib.py.create_empty(pathOf(record.file));
    lib.store.flush();
    await serveNew(record.name, pathOf(record.file), record.name);
    return { ...record, size: lib.fs.stat(pathOf(record.file)).size };
  } catch (error) {
    await unreserve(record);
    throw error;
  }
}

/** Keep a record made pending (reserve, makeEmpty), now that its database is complete. */
export async function keep(record) {
  const { pending, ...complete } = record;
  await records.put(complete);
  return complete;
}

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

/** Why a database of the library cannot be opened, in words; null when it is served (or waits for permission). */
export function problemOf(name) {
  if (notOpened.has(name)) return notOpened.get(name);
  const setAside = lib.py.set_aside(lib.ds);
  try {
    return setAside.get(name) ?? null;
  } finally {
    setAside.destroy();
  }
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
  const problem = problemOf(name);
  return { name, size, changed, source, canSaveBack: Boolean(handle) && !inPlace && !problem, inPlace,
    waiting: waits, url: lib.py.url(lib.ds, name), problem };
}
