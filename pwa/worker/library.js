// The worker's library, one object built at boot: database files in a store (store-opfs.js: OPFS, kept across
// restarts; store-memory.js: in memory, where the browser gives no usable OPFS), their records (records.js), and
// Datasette told about each one (python/datasette_pwa/library.py). What the shell may ask of it: library-api.js.
import { LIBRARY_DIRECTORY } from "../shared/counters.js";
import { InPlaceFiles } from "./library-inplace.js";
import * as records from "../shared/records.js";
import { memoryStore } from "./store-memory.js";
import { opfsStore } from "./store-opfs.js";
/** @import { PyodideAPI } from "pyodide" */
/** @import { Database, LibraryApi } from "../shared/protocol.js" */

const MOUNT = `/${LIBRARY_DIRECTORY}`;
// Datasette's internal database (stored queries, its catalog), kept with the library so it survives restarts.
const INTERNAL = "internal.db";

const CRASHED = "the app stopped twice in a row while showing its pages, so it was set aside for the rest to start. " +
  "Try again, or Download it and open it in another SQLite program.";

const memoryNotice = (reason) =>
  `Your databases are kept in memory only: ${reason}. They are here until this window closes; use Download to ` +
  "keep a copy. (A private window does this too; a normal window of Chrome, Edge, Firefox or Safari keeps them.)";

/**
 * The library, built once at boot (Library.open) and handed to the parts that need it (worker.js puts its API
 * together: api() here, library-in.js, library-out.js, library-inplace.js). ds is Datasette, once serveAll() ran.
 */
export class Library {
  /** @param {PyodideAPI} pyodide @param {object} store store-opfs.js's or store-memory.js's */
  constructor(pyodide, store) {
    this.py = pyodide.pyimport("datasette_pwa.library");
    this.importing = pyodide.pyimport("datasette_pwa.importing");
    this.fs = pyodide.FS;
    this.store = store;
    this.mount = MOUNT;
    this.inPlace = new InPlaceFiles(pyodide);
    this.ds = null;
    this.opened = []; // [name, path] of the databases open() opened, for serveAll
    this.openedInPlace = []; // the same, of the databases opened in place (read-only)
    // Databases set aside before Datasette saw them, name -> why (in words): their file could not be opened, or their
    // pages crashed the worker twice in a row (crash-counts.js). Those SQLite cannot read Python sets aside itself.
    this.notOpened = new Map();
  }

  /**
   * Boot step, before Datasette starts: choose the store (noOPFS resolves why OPFS cannot be used, or null), remove
   * what a crash left half-made, open every database and roll back any transaction a crash cut short.
   * Resolves {library, internal: path of Datasette's internal database, notices, persistent}.
   * @param {PyodideAPI} pyodide @param {Promise<string | null>} noOPFS @param {string[]} crashed
   */
  static async open(pyodide, noOPFS, crashed = []) {
    const reason = await noOPFS;
    const library = new Library(pyodide, reason ? memoryStore(pyodide, MOUNT) : await opfsStore(pyodide, MOUNT));
    const notices = reason ? [memoryNotice(reason)] : [];
    if (reason) records.keepInMemory();
    const all = await records.all();
    for (const record of all.filter((r) => r.pending)) await records.remove(record.name);
    const databases = all.filter((r) => !r.pending && !r.inPlace);
    await library.store.keepOnly([INTERNAL, ...databases.map((r) => r.file)]);
    library.openedInPlace = await library.inPlace.reopen(all.filter((r) => !r.pending && r.inPlace));
    const internal = (await library.openRecovered(INTERNAL, "Datasette's own records", notices))
      ? library.pathOf(INTERNAL) : null;
    for (const record of databases) {
      if (crashed.includes(record.name)) library.notOpened.set(record.name, CRASHED);
      else if (await library.openRecovered(record.file, record.name, notices)) {
        library.opened.push([record.name, library.pathOf(record.file)]);
      }
    }
    return { library, internal, notices, persistent: library.store.persistent };
  }

  /**
   * Boot step, once Datasette runs: serve the databases open() opened. Those SQLite cannot read are set aside
   * (python/datasette_pwa/standalone.py): returns a notice for each.
   */
  async serveAll(ds) {
    this.ds = ds;
    const problems = [await this.serve(this.opened), await this.serve(this.openedInPlace, { read_only: true })];
    return problems.flatMap((found) => Object.entries(found).map(([name, why]) => `${name} can't be opened: ${why}`));
  }

  /**
   * Serve [name, path] pairs (options: Python keyword arguments); resolves {name: why} for those set aside.
   * @param {[string, string][]} databases
   * @returns {Promise<Record<string, string>>}
   */
  async serve(databases, options = {}) {
    if (!databases.length) return {};
    const found = await this.py.add.callKwargs(this.ds, ...databases, options);
    try {
      return found.toJs({ dict_converter: Object.fromEntries });
    } finally {
      found.destroy();
    }
  }

  /**
   * Serve one new database; if SQLite cannot read it, it is not added: throws why, in words, for a file called
   * fileName. @param {string} name @param {string} path @param {string} fileName @param {object} [options] as serve's
   */
  async serveNew(name, path, fileName, options = {}) {
    const why = (await this.serve([[name, path]], options))[name];
    if (!why) return;
    await this.py.remove(this.ds, name);
    throw new Error(`${fileName} was not added: ${why}.`);
  }

  /** Open a file of the library and roll back a transaction a crash cut short; false (with a notice) if it cannot be. */
  async openRecovered(file, name, notices) {
    try {
      await this.store.open(file);
      if (this.py.recover(this.pathOf(file))) {
        notices.push(`${name}: a change that was being written when the app stopped was undone. Everything saved ` +
          "before it is there.");
      }
      this.store.flush();
      return true;
    } catch (error) {
      notices.push(`${name} could not be opened (${error.message}); it is still in the library.`);
      this.notOpened.set(name, `its file could not be opened (${error.message})`);
      return false;
    }
  }

  pathOf(file) {
    return this.store.path(file);
  }

  /** Make every write durable, then note which databases changed (their size and time, for the library). */
  flushWrites() {
    const written = this.store.flush();
    if (written.length) this.markWritten(written).catch((error) => console.warn("library: could not note a write", error));
  }

  async markWritten(fileNames) {
    const sizes = {};
    for (const file of fileNames) {
      if (this.fs.analyzePath(this.pathOf(file)).exists) sizes[file] = this.fs.stat(this.pathOf(file)).size;
    }
    await records.written(sizes, Date.now());
  }

  /**
   * A new, empty database, served, named requested (or requested-2…); its record stays pending until keep(): a new
   * database that an import fills is kept only once the import succeeded, so a worker stopped mid-import (a Cancel of
   * a statement that would not end) leaves no empty database behind.
   */
  async makeEmpty(requested) {
    this.refuseBadName(requested);
    const record = await this.reserve(requested, { file: `${crypto.randomUUID()}.db`, size: 0, changed: Date.now(),
      handle: null, source: null });
    try {
      await this.store.open(record.file);
      this.py.create_empty(this.pathOf(record.file));
      this.store.flush();
      await this.serveNew(record.name, this.pathOf(record.file), record.name);
      return { ...record, size: this.fs.stat(this.pathOf(record.file)).size };
    } catch (error) {
      await this.unreserve(record);
      throw error;
    }
  }

  /** Keep a record made pending (reserve, makeEmpty), now that its database is complete. */
  async keep(record) {
    const { pending, ...complete } = record;
    await records.put(complete);
    return complete;
  }

  /** Reserve a unique name for a new database's record (stored pending until it is complete). */
  reserve(wanted, record) {
    return records.reserve(wanted, this.servedNames(), record);
  }

  /** Undo reserve(): the record and whatever was copied so far. */
  async unreserve(record) {
    await this.store.discard(record.file);
    await records.remove(record.name);
  }

  refuseBadName(name) {
    const problem = this.py.name_problem(name);
    if (problem) throw new Error(problem);
  }

  async find(name) {
    const record = (await records.databases()).find((r) => r.name === name);
    if (!record) throw new Error(`There is no database called “${name}” in the library.`);
    return record;
  }

  /** Why a database of the library cannot be opened, in words; null when it is served (or waits for permission). */
  problemOf(name) {
    if (this.notOpened.has(name)) return this.notOpened.get(name);
    const setAside = this.py.set_aside(this.ds);
    try {
      return setAside.get(name) ?? null;
    } finally {
      setAside.destroy();
    }
  }

  /** Every name Datasette serves, _memory included, so that no database takes one. */
  servedNames() {
    const served = this.py.names(this.ds);
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
  describe({ name, size, changed, source, handle, inPlace = false }) {
    const waits = this.inPlace.waiting.get(name) ?? null;
    const problem = this.problemOf(name);
    return { name, size, changed, source, canSaveBack: Boolean(handle) && !inPlace && !problem, inPlace,
      waiting: waits, url: this.py.url(this.ds, name), problem };
  }
}
