// The worker's library: database files in OPFS (read and written in place through opfs-fs.js), their records in
// IndexedDB (records.js), and Datasette told about each one (python/datasette_pwa/library.py).
import { copyIn, copyToScratch, discard, openReleased, removeOrphans } from "./library-files.js";
import { closeDatabase, flushAll, mountOPFS, openDatabase } from "./opfs-fs.js";
import { MSG } from "./protocol.js";
import * as records from "./records.js";

const MOUNT = "/library";
// VACUUM INTO writes snapshots (save back, download) here, then they are copied out.
const SNAPSHOT = "snapshot.db";
// A file fetched from a URL lands here (on disk, never whole in memory) before it is opened like a local file.
const DOWNLOADED = "downloaded";

let py; // the Python library module
let importing; // the Python module that imports CSV and JSON
let fs; // Pyodide's Emscripten FS
let directory; // OPFS directory behind the mount
const imports = new Map(); // import id -> AbortController

const pathOf = (record) => `${MOUNT}/${record.file}`;

/** Boot step: mount OPFS and serve every database in the library; returns notices for the user. */
export async function mountLibrary(pyodide, ds) {
  directory = await mountOPFS(pyodide, MOUNT);
  fs = pyodide.FS;
  py = pyodide.pyimport("datasette_pwa.library");
  importing = pyodide.pyimport("datasette_pwa.importing");
  library.ds = ds;
  const notices = [];
  const all = await records.all();
  await removeOrphans(directory, all.map((r) => r.file));
  const served = [];
  for (const record of all) {
    try {
      await directory.getFileHandle(record.file);
      await openReleased(record.file);
      served.push([record.name, pathOf(record)]);
    } catch (error) {
      notices.push(`${record.name} could not be opened (${error.message}); it is still in the library.`);
    }
  }
  await py.add(ds, ...served);
  return notices;
}

/** Make every write durable, then note which databases changed (their size and time, for the library). */
export function flushWrites() {
  const written = flushAll();
  if (written.length) markWritten(written).catch((error) => console.warn("library: could not note a write", error));
}

async function markWritten(fileNames) {
  for (const record of await records.all()) {
    if (!fileNames.includes(record.file)) continue;
    await records.put({ ...record, size: fs.stat(pathOf(record)).size, changed: Date.now() });
  }
}

const library = {
  ds: null,

  list: async () => (await records.all()).map(describe),

  /** Copy a File into the library by streaming (never whole in memory), check it, and serve it. */
  async import(importId, file, handle) {
    const name = uniqueName(stem(file.name), await names());
    const record = { name, file: `${crypto.randomUUID()}.db`, size: file.size, changed: Date.now(), handle: handle ?? null,
      source: { name: file.name, size: file.size, lastModified: file.lastModified } };
    const controller = new AbortController();
    imports.set(importId, controller);
    try {
      await copyIn(directory, file, record.file, controller.signal, (loaded) =>
        postMessage({ type: MSG.IMPORT_PROGRESS, importId, name: file.name, loaded, total: file.size }),
      );
      await openDatabase(record.file);
      const problem = py.problem_with(pathOf(record));
      if (problem) throw new Error(`${file.name} was not added: ${problem}`);
      await py.add(library.ds, [name, pathOf(record)]);
      await records.put(record);
      const wal = await isWal(file);
      return { ...describe(record), notice: wal ? walNotice(file.name) : null };
    } catch (error) {
      await discard(directory, record.file);
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
    const target = database ? await find(database) : await find((await library.create(stem(file.name))).name);
    const scratch = `/tmp/import-${importId}`;
    const controller = new AbortController();
    imports.set(importId, controller);
    const report = (loaded) => postMessage({ type: MSG.IMPORT_PROGRESS, importId, name: file.name, loaded, total: file.size });
    try {
      await copyToScratch(fs, file, scratch, controller.signal, report);
      const result = importing.import_file(pathOf(target), table.trim() || stem(file.name), scratch, file.name, report);
      const { rows, skipped, skipped_detail: detail, notes } = result.toJs({ dict_converter: Object.fromEntries });
      result.destroy();
      await markWritten([target.file]);
      await py.refresh(library.ds);
      const url = py.table_url(library.ds, target.name, table.trim() || stem(file.name));
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

  /** Fetch a URL into OPFS with progress; the File it gives back is then opened like a local one. */
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
      await copyIn(directory, { stream: () => response.body, size: total, name }, DOWNLOADED, controller.signal, (loaded) =>
        postMessage({ type: MSG.IMPORT_PROGRESS, importId, name, loaded, total }),
      );
      const file = await (await directory.getFileHandle(DOWNLOADED)).getFile();
      return new File([file], name, { lastModified: Date.now() });
    } catch (error) {
      await discard(directory, DOWNLOADED);
      throw controller.signal.aborted ? new Error(`Downloading ${name} was cancelled.`) : error;
    } finally {
      imports.delete(importId);
    }
  },

  cancelImport(importId) {
    imports.get(importId)?.abort();
  },

  /** A new, empty database. */
  async create(requested) {
    const name = uniqueName(requested.trim() || "untitled", await names());
    const record = { name, file: `${crypto.randomUUID()}.db`, size: 0, changed: Date.now(), handle: null, source: null };
    await openDatabase(record.file);
    py.create_empty(pathOf(record));
    flushAll();
    await py.add(library.ds, [name, pathOf(record)]);
    const created = { ...record, size: fs.stat(pathOf(record)).size };
    await records.put(created);
    return describe(created);
  },

  async rename(name, requested) {
    const record = await find(name);
    const newName = uniqueName(requested.trim(), (await names()).filter((n) => n !== name));
    if (newName === name) return describe(record);
    await py.rename(library.ds, name, newName);
    await records.replace(name, { ...record, name: newName });
    return describe({ ...record, name: newName });
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
    const record = await find(name);
    const snapshot = await takeSnapshot(name);
    // createWritable() writes to a swap file that replaces the target only on close: never a half-written file.
    await snapshot.stream().pipeTo(await handle.createWritable());
    const saved = await handle.getFile();
    const source = { name: saved.name, size: saved.size, lastModified: saved.lastModified };
    const updated = { ...record, handle, source };
    await records.put(updated);
    return describe(updated);
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
    await find(name);
    return takeSnapshot(name);
  },
};

export const libraryMethods = library;

async function takeSnapshot(name) {
  await discard(directory, SNAPSHOT);
  await openDatabase(SNAPSHOT);
  try {
    await py.snapshot(library.ds, name, `${MOUNT}/${SNAPSHOT}`);
  } finally {
    closeDatabase(SNAPSHOT);
  }
  return (await directory.getFileHandle(SNAPSHOT)).getFile();
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
  const record = (await records.all()).find((r) => r.name === name);
  if (!record) throw new Error(`There is no database called “${name}” in the library.`);
  return record;
}

async function names() {
  const served = py.names(library.ds);
  try {
    return [...(await records.all()).map((r) => r.name), ...served.toJs()];
  } finally {
    served.destroy();
  }
}

/** fixtures.db -> fixtures, pets.csv -> pets; names Datasette can route (no slashes), made unique with -2, -3... */
function stem(fileName) {
  return fileName.replace(/\.(db|sqlite3?|db3|csv|tsv|tab|json|ndjson|jsonl)$/i, "").replace(/[/\\]/g, "_") || "database";
}

function uniqueName(wanted, taken) {
  let name = wanted.replace(/[/\\]/g, "_");
  for (let i = 2; taken.includes(name); i++) name = `${wanted}-${i}`;
  return name;
}

/** What the shell shows of a record; url is the database's Datasette page. */
function describe({ name, size, changed, source, handle }) {
  return { name, size, changed, source, canSaveBack: Boolean(handle), url: py.url(library.ds, name) };
}

const megabytes = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
