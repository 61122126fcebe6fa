// Files coming into the library: a database copied in, CSV or JSON imported as a table, a file fetched from a URL.
// Each copy streams (never whole in memory), reports progress, can be cancelled, and leaves nothing behind on failure.
import { formatBytes, roomLeft } from "../shared/bytes.js";
import { copyIntoFS } from "./library-files.js";
import { isWalHeader } from "./opfs-fs.js";
import { MSG } from "../shared/protocol.js";
import * as records from "../shared/records.js";
/** @import { Library } from "./library.js" */

const copies = new Map(); // import id -> AbortController of a copy under way

/**
 * Run copy(signal, report) as import importId: cancellable, reporting progress of a file called name. The copy is
 * cancellable from its first step: CI once lost a Cancel that came while the library's record was being written,
 * before the copy was registered, and the 1.5 GB database was added anyway.
 */
async function copying(importId, name, total, copy) {
  const controller = new AbortController();
  copies.set(importId, controller);
  const report = (loaded, size = total) =>
    postMessage({ type: MSG.IMPORT_PROGRESS, importId, name, loaded, total: size });
  try {
    return await copy(controller.signal, report);
  } finally {
    copies.delete(importId);
  }
}

const cancelled = (error, signal, message) => (signal.aborted ? new Error(message) : error);

/**
 * The API's methods for files coming in (worker.js puts the API together: library-api.js).
 * @param {Library} library
 */
export const libraryIn = (library) => ({
  import: (importId, file, handle) => importDatabase(library, importId, file, handle),
  importData: (importId, file, database, table, sheet = null) => importData(library, importId, file, database, table, sheet),
  sheets: (importId, file) => sheetsOf(library, importId, file),
  download: (importId, url) => download(library, importId, url),
  /** Remove what download(importId) fetched, once it was opened. */
  discardDownload: (importId) => library.store.discard(downloaded(importId)),
  cancelImport(importId) {
    copies.get(importId)?.abort();
  },
});

/** Copy a File into the library, check it, and serve it. @param {Library} library */
async function importDatabase(library, importId, file, handle) {
  return copying(importId, file.name, file.size, async (signal, report) => {
    const record = await library.reserve(library.py.name_from_file(file.name), {
      file: `${crypto.randomUUID()}.db`, size: file.size, changed: Date.now(), handle: handle ?? null,
      source: { name: file.name, size: file.size, lastModified: file.lastModified },
    });
    try {
      await library.store.copyIn(file, record.file, signal, report);
      await library.store.open(record.file);
      const problem = library.py.problem_with(library.pathOf(record.file));
      if (problem) throw new Error(`${file.name} was not added: ${problem}`);
      signal.throwIfAborted(); // a Cancel that came as the copy ended: the database is not added after all
      await library.serveNew(record.name, library.pathOf(record.file), file.name);
      const complete = await library.keep(record);
      return { ...library.describe(complete), notice: (await isWal(file)) ? walNotice(file.name) : null };
    } catch (error) {
      await library.unreserve(record);
      throw cancelled(await explain(error, file), signal, `Opening ${file.name} was cancelled.`);
    }
  });
}

/**
 * Import a CSV, TSV, JSON or newline-delimited JSON file as table `table` of library database `database`, or of a
 * new database when `database` is null. All or nothing: on failure a new database is removed again.
 * @param {Library} library
 */
async function importData(library, importId, file, database, table, sheet) {
  const tableName = table.trim() || library.py.name_from_file(file.name);
  const scratch = `/tmp/import-${importId}`;
  return copying(importId, file.name, file.size, async (signal, report) => {
    const target = database ? await library.find(database) : await library.makeEmpty(library.py.name_from_file(file.name));
    try {
      await copyIntoFS(library.fs, file, scratch, signal, report);
      await prepared(library, file.name);
      const result = library.importing.import_file.callKwargs(library.pathOf(target.file), tableName, scratch,
        file.name, report, { sheet });
      const { table: made, rows, statements, skipped, skipped_detail: detail, notes } =
        result.toJs({ dict_converter: Object.fromEntries });
      result.destroy();
      await library.markWritten([target.file]);
      if (!database) await library.keep(target);
      await library.py.refresh(library.ds);
      const skippedNote = skipped ? [`${skipped} row(s) of ${file.name} were skipped: ${detail}.`] : [];
      // A SQL script makes its own tables, and a workbook one per sheet (made is null): its database's page shows them.
      const url = made ? library.py.table_url(library.ds, target.name, made) : library.py.url(library.ds, target.name);
      return { database: target.name, rows, statements, url,
        notices: [...notes, ...skippedNote] };
    } catch (error) {
      if (!database) await forget(library, target);
      const why = error.type === "ImportFailed" ? pythonMessage(error) : error.message;
      throw cancelled(new Error(`${file.name} was not imported: ${why}`), signal, `Importing ${file.name} was cancelled.`);
    } finally {
      library.store.flush();
      if (library.fs.analyzePath(scratch).exists) library.fs.unlink(scratch);
    }
  });
}

/**
 * Load what only this kind of file needs (a spreadsheet's reader), the first time. Asked first, and Python's
 * coroutine awaited only when needed: awaited before every import, a Cancel of a SQL script's statement that never
 * ends (which stops the worker) made the worker stop with "NoGilError: Attempted to use PyProxy when Python GIL not
 * held" (test_contained, 3 runs of 3; with this, 3 of 3 passed). Why, not found.
 * @param {Library} library
 */
async function prepared(library, fileName) {
  if (library.importing.needs_loading(fileName)) await library.importing.prepare(fileName);
}

/**
 * The sheets of a spreadsheet, read from a scratch copy (loading its reader the first time).
 * @param {Library} library
 */
async function sheetsOf(library, importId, file) {
  const scratch = `/tmp/sheets-${importId}`;
  try {
    await copyIntoFS(library.fs, file, scratch, new AbortController().signal, () => {});
    await prepared(library, file.name);
    const names = library.importing.sheet_names(scratch, file.name);
    try {
      return names.toJs();
    } finally {
      names.destroy();
    }
  } catch (error) {
    throw new Error(error.type === "ImportFailed" ? pythonMessage(error) : error.message);
  } finally {
    if (library.fs.analyzePath(scratch).exists) library.fs.unlink(scratch);
  }
}

/**
 * Fetch a URL into the library's store with progress; the File it gives back is opened like a local one, then
 * discarded (discardDownload). @param {Library} library
 */
async function download(library, importId, url) {
  const name = decodeURIComponent(new URL(url).pathname.split("/").pop()) || "download.db";
  return copying(importId, name, 0, async (signal, report) => {
    try {
      const response = await fetchFile(url, signal);
      const total = Number(response.headers.get("content-length")) || 0;
      await library.store.copyIn({ stream: () => response.body, size: total, name }, downloaded(importId), signal,
        (loaded) => report(loaded, total));
      return new File([await library.store.read(downloaded(importId))], name, { lastModified: Date.now() });
    } catch (error) {
      await library.store.discard(downloaded(importId));
      throw cancelled(error, signal, `Downloading ${name} was cancelled.`);
    }
  });
}

/** Undo Library.makeEmpty(): a new database an import failed to fill. */
async function forget(library, record) {
  await library.py.remove(library.ds, record.name);
  await library.unreserve(record);
}

const downloaded = (importId) => `download-${importId}`;

async function fetchFile(url, signal) {
  let response;
  try {
    response = await fetch(url, { signal });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new Error(`${url} could not be downloaded: the server could not be reached, or it does not let other ` +
      "sites read its files (it must send an Access-Control-Allow-Origin header). Are you online?");
  }
  if (!response.ok) throw new Error(`${url} could not be downloaded: the server answered ${response.status} ${response.statusText}.`);
  return response;
}

/** The last line of a Python traceback, without the exception's name: the sentence meant for the user. */
const pythonMessage = (error) => error.message.trim().split("\n").pop().replace(/^[\w.]+: /, "");

/** Turn storage errors into sentences with sizes. */
async function explain(error, file) {
  if (error.name === "QuotaExceededError" || error.cause?.name === "QuotaExceededError") {
    const left = await roomLeft();
    // The estimate can say there is room when the disk itself is full.
    const room = left === null ? "" : left < file.size ? `: the browser lets this app store ${formatBytes(left)} more`
      : ": the disk, or the browser's storage, is full";
    return new Error(`${file.name} (${formatBytes(file.size)}) does not fit${room}. ` +
      "Free some space (remove databases you no longer need) and try again.");
  }
  if (error.name === "NotReadableError" || error.name === "NotFoundError") {
    return new Error(`${file.name} could not be read: it may have been moved, deleted or locked by another program.`);
  }
  return error;
}

const isWal = async (file) => isWalHeader(new Uint8Array(await file.slice(0, 20).arrayBuffer()));

const walNotice = (fileName) =>
  `${fileName} was in WAL mode. It opened, but changes still in a separate “${fileName}-wal” file are not included. ` +
  "If that file exists, open the database in SQLite once (which folds it in), then open it here again.";
