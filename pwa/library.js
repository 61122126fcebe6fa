// The worker's library: database files in OPFS (read and written in place through opfs-fs.js), their records in
// IndexedDB (records.js), and Datasette told about each one (python/datasette_pwa/library.py).
import { copyIn, copyToScratch, discard, openReleased, removeOrphans } from "./library-files.js";
import { closeDatabase, flushAll, mountOPFS, openDatabase } from "./opfs-fs.js";
import { MSG } from "./protocol.js";
import * as records from "./records.js";

const MOUNT = "/library";
// Datasette's internal database (stored queries, its catalog), kept with the library so it survives restarts.
const INTERNAL = "internal.db";
// A Download's copy is read by the browser after the call returns: kept this long (or until the next start).
const DOWNLOAD_COPY_MS = 10 * 60 * 1000;

let py; // the Python library module
let importing; // the Python module that imports CSV and JSON
let fs; // Pyodide's Emscripten FS
let directory; // OPFS directory behind the mount
const imports = new Map(); // import id -> AbortController

const pathOf = (file) => `${MOUNT}/${file}`;

/**
 * Boot step, before Datasette starts: mount OPFS, remove what a crash left half-made, open every database and roll
 * back any transaction a crash cut short. Resolves {internal: path of Datasette's internal database, notices}.
 */
export async function openLibrary(pyodide) {
  directory = await mountOPFS(pyodide, MOUNT);
  fs = pyodide.FS;
  py = pyodide.pyimport("datasette_pwa.library");
  importing = pyodide.pyimport("datasette_pwa.importing");
  const all = await records.all();
  for (const record of all.filter((r) => r.pending)) await records.remove(record.name);
  const databases = all.filter((r) => !r.pending);
  await removeOrphans(directory, [INTERNAL, ...databases.map((r) => r.file)]);
  const notices = [];
  const internal = (await openRecovered(INTERNAL, "Datasette's own records", notices)) ? pathOf(INTERNAL) : null;
  opened = [];
  for (const record of databases) {
    if (await openRecovered(record.file, record.name, notices)) opened.push([record.name, pathOf(record.file)]);
  }
  return { internal, notices };
}

let opened; // [name, path] of the databases openLibrary opened, for serveLibrary

/** Boot step, once Datasette runs: serve the databases openLibrary opened. */
export async function serveLibrary(ds) {
  library.ds = ds;
  await py.add(ds, ...opened);
}

/** Open a file of the library and roll back a transaction a crash cut short; false (with a notice) if it cannot be. */
async function openRecovered(file, name, notices) {
  try {
    await openReleased(file);
    if (py.recover(pathOf(file))) {
      notices.push(`${name}: a change that was being written when the app stopped was undone. Everything saved ` +
        "before it is there.");
    }
    flushAll();
    return true;
  } catch (error) {
    notices.push(`${name} could not be opened (${error.message}); it is still in the library.`);
    return false;
  }
}

/** Make every write durable, then note which databases changed (their size and time, for the library). */
export function flushWrites() {
  const written = flushAll();
  if (written.length) markWritten(written).catch((error) => console.warn("library: could not note a write", error));
}

async function markWritten(fileNames) {
  const sizes = {};
  for (const file of fileNames) if (fs.analyzePath(pathOf(file)).exists) sizes[file] = fs.stat(pathOf(file)).size;
  await records.written(sizes, Date.now());
}

const library = {
  ds: null,

  list: async () => (await records.databases()).map(describe),

  /** Copy a File into the library by streaming (never whole in memory), check it, and serve it. */
  async import(importId, file, handle) {
    const record = await reserve(py.name_from_file(file.name), {
      file: `${crypto.randomUUID()}.db`, size: file.size, changed: Date.now(), handle: handle ?? null,
      source: { name: file.name, size: file.size, lastModified: file.lastModified },
    });
    const controller = new AbortController();
    imports.set(importId, controller);
    try {
      await copyIn(directory, file, record.file, controller.signal, (loaded) =>
        postMessage({ type: MSG.IMPORT_PROGRESS, importId, name: file.name, loaded, total: file.size }),
      );
      await openDatabase(record.file);
      const problem = py.problem_with(pathOf(record.file));
      if (problem) throw new Error(`${file.name} was not added: ${problem}`);
      await py.add(library.ds, [record.name, pathOf(record.file)]);
      const { pending, ...complete } = record;
      await records.put(complete);
      const wal = await isWal(file);
      return { ...describe(complete), notice: wal ? walNotice(file.name) : null };
    } catch (error) {
      await unreserve(record);
      throw controller.signal.aborted ? new Error(`Opening ${file.name} was cancelled.`) : await explain(error, file);
    } finally {
      imports.delete(importId);
    }
  },

  /**
   * Import a CSV, TSV, JSON or newline-delimited JSON file as table `table` of library database `database`, or of a
   * new database when `database` is null. All or nothing: on failure a new database is removed again.
   */
  async importData(importId, file, database, table) {
    const target = await find(database ?? (await library.create(py.name_from_file(file.name))).name);
    const scratch = `/tmp/import-${importId}`;
    const controller = new AbortController();
    imports.set(importId, controller);
    const report = (loaded) => postMessage({ type: MSG.IMPORT_PROGRESS, importId, name: file.name, loaded, total: file.size });
    try {
      await copyToScratch(fs, file, scratch, controller.signal, report);
      const tableName = table.trim() || py.name_from_file(file.name);
      const result = importing.import_file(pathOf(target.file), tableName, scratch, file.name, report);
      const { rows, skipped, skipped_detail: detail, notes } = result.toJs({ dict_converter: Object.fromEntries });
      result.destroy();
      await markWritten([target.file]);
      await py.refresh(library.ds);
      const url = py.table_url(library.ds, target.name, tableName);
      const skippedNote = skipped ? `${skipped} row(s) of ${file.name} were skipped: ${detail}.` : null;
      return { database: target.name, rows, url, notices: [...notes, ...(skippedNote ? [skippedNote] : [])] };
    } catch (error) {
      if (!database) await library.remove(target.name);
      if (controller.signal.aborted) throw new Error(`Importing ${file.name} was cancelled.`);
      throw new Error(`${file.name} was not imported: ${error.type === "ImportFailed" ? pythonMessage(error) : error.message}`);
    } finally {
      flushAll();
      imports.delete(importId);
      if (fs.analyzePath(scratch).exists) fs.unlink(scratch);
    }
  },

  /** Fetch a URL into OPFS with progress; the File it gives back is then opened like a local one, and discarded. */
  async download(importId, url) {
    const name = decodeURIComponent(new URL(url).pathname.split("/").pop()) || "download.db";
    const controller = new AbortController();
    imports.set(importId, controller);
    try {
      let response;
      try {
        response = await fetch(url, { signal: controller.signal });
      } catch (error) {
        if (controller.signal.aborted) throw error;
        throw new Error(`${url} could not be downloaded: the server could not be reached, or it does not let other ` +
          "sites read its files (it must send an Access-Control-Allow-Origin header). Are you online?");
      }
      if (!response.ok) throw new Error(`${url} could not be downloaded: the server answered ${response.status} ${response.statusText}.`);
      const total = Number(response.headers.get("content-length")) || 0;
      await copyIn(directory, { stream: () => response.body, size: total, name }, downloaded(importId), controller.signal,
        (loaded) => postMessage({ type: MSG.IMPORT_PROGRESS, importId, name, loaded, total }));
      const file = await (await directory.getFileHandle(downloaded(importId))).getFile();
      return new File([file], name, { lastModified: Date.now() });
    } catch (error) {
      await discard(directory, downloaded(importId));
      throw controller.signal.aborted ? new Error(`Downloading ${name} was cancelled.`) : error;
    } finally {
      imports.delete(importId);
    }
  },

  /** Remove what download(importId) fetched, once it was opened. */
  discardDownload: (importId) => discard(directory, downloaded(importId)),

  cancelImport(importId) {
    imports.get(importId)?.abort();
  },

  /** A new, empty database, named requested (or requested-2…). */
  async create(requested) {
    refuseBadName(requested);
    const record = await reserve(requested, { file: `${crypto.randomUUID()}.db`, size: 0, changed: Date.now(),
      handle: null, source: null });
    try {
      await openDatabase(record.file);
      py.create_empty(pathOf(record.file));
      flushAll();
      await py.add(library.ds, [record.name, pathOf(record.file)]);
      const { pending, ...created } = { ...record, size: fs.stat(pathOf(record.file)).size };
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
    await py.rename(library.ds, name, newName);
    return describe(renamed);
  },

  async remove(name) {
    const record = await find(name);
    await py.remove(library.ds, name);
    await records.remove(name);
    await discard(directory, record.file);
  },

  /** The original file's handle, for the shell to ask the user for write permission. */
  handle: async (name) => (await find(name)).handle,

  /** Has the original file changed on disk since it was opened or last saved? (Asked before Save overwrites it.) */
  async checkOriginal(name) {
    const { handle, source } = await find(name);
    let file;
    try {
      file = await handle.getFile();
    } catch {
      throw new Error(`${source.name} is gone: it was moved or deleted. Use Save as… to save ${name} somewhere else; ` +
        "it is safe in the library meanwhile.");
    }
    return { changedOnDisk: file.lastModified !== source.lastModified || file.size !== source.size };
  },

  /** Write a consistent snapshot over `handle` (the original, or a Save as… target) in one replacing write. */
  async saveTo(name, handle) {
    const { file, scratch } = await takeSnapshot(name);
    try {
      // createWritable() writes to a swap file that replaces the target only on close: never a half-written file.
      await file.stream().pipeTo(await handle.createWritable());
    } finally {
      await discard(directory, scratch);
    }
    const saved = await handle.getFile();
    const source = { name: saved.name, size: saved.size, lastModified: saved.lastModified };
    return describe(await records.update(name, () => ({ handle, source })));
  },

  /** SQLite's full integrity check: ["ok"] or the problems it found. */
  async check(name) {
    await find(name);
    const result = await py.integrity(library.ds, name);
    try {
      return result.toJs();
    } finally {
      result.destroy();
    }
  },

  /** A consistent copy as a File, for downloading. */
  async snapshot(name) {
    const { file, scratch } = await takeSnapshot(name);
    setTimeout(() => discard(directory, scratch), DOWNLOAD_COPY_MS);
    return file;
  },
};

export const libraryMethods = library;

/** A consistent copy of a database in a scratch file of its own: {file: File, scratch: its name}. */
async function takeSnapshot(name) {
  await find(name);
  const scratch = `snapshot-${crypto.randomUUID()}.db`;
  await openDatabase(scratch);
  try {
    await py.snapshot(library.ds, name, pathOf(scratch));
  } finally {
    closeDatabase(scratch);
  }
  return { file: await (await directory.getFileHandle(scratch)).getFile(), scratch };
}

/** Reserve a unique name for a new database's record (stored pending until it is complete). */
const reserve = (wanted, record) => records.reserve(wanted, servedNames(), record);

/** Undo reserve(): the record and whatever was copied so far. */
async function unreserve(record) {
  await discard(directory, record.file);
  await records.remove(record.name);
}

const downloaded = (importId) => `download-${importId}`;

function refuseBadName(name) {
  const problem = py.name_problem(name);
  if (problem) throw new Error(problem);
}

/** The last line of a Python traceback, without the exception's name: the sentence meant for the user. */
const pythonMessage = (error) => error.message.trim().split("\n").pop().replace(/^[\w.]+: /, "");

/** Turn storage errors into sentences with sizes. */
async function explain(error, file) {
  if (error.name === "QuotaExceededError") {
    const { usage, quota } = await navigator.storage.estimate();
    return new Error(
      `${file.name} (${megabytes(file.size)}) does not fit: the browser lets this app store ${megabytes(quota - usage)} more. ` +
        "Free some space (remove databases you no longer need) and try again.",
    );
  }
  if (error.name === "NotReadableError" || error.name === "NotFoundError") {
    return new Error(`${file.name} could not be read: it may have been moved, deleted or locked by another program.`);
  }
  return error;
}

async function isWal(file) {
  const header = new Uint8Array(await file.slice(0, 20).arrayBuffer());
  return header[18] === 2 && header[19] === 2;
}

const walNotice = (fileName) =>
  `${fileName} was in WAL mode. It opened, but changes still in a separate “${fileName}-wal” file are not included. ` +
  "If that file exists, open the database in SQLite once (which folds it in), then open it here again.";

async function find(name) {
  const record = (await records.databases()).find((r) => r.name === name);
  if (!record) throw new Error(`There is no database called “${name}” in the library.`);
  return record;
}

/** Every name Datasette serves, _memory included, so that no database takes one. */
function servedNames() {
  const served = py.names(library.ds);
  try {
    return served.toJs();
  } finally {
    served.destroy();
  }
}

/** What the shell shows of a record; url is the database's Datasette page. */
function describe({ name, size, changed, source, handle }) {
  return { name, size, changed, source, canSaveBack: Boolean(handle), url: py.url(library.ds, name) };
}

const megabytes = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
