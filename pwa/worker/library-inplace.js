// Databases opened in place: served read-only straight from the user's own file (file-fs.js), never copied, for
// files bigger than the browser will store, or by choice. The record keeps the file's FileSystemFileHandle where the
// browser gives one (Chromium), so the database is back after a restart once the user lets the app read the file
// again; a file without a handle (Firefox, Safari) is in the library until the window closes.
import { addFile, mountFiles, removeFile } from "./file-fs.js";
import * as records from "../shared/records.js";
/** @import { PyodideAPI } from "pyodide" */
/** @import { Library } from "./library.js" */

const MOUNT = "/inplace";
const pathIn = (record) => `${MOUNT}/${record.file}`;

/** The user's files the library reads in place, mounted where Python reads them (the library's inPlace). */
export class InPlaceFiles {
  /** @param {PyodideAPI} pyodide */
  constructor(pyodide) {
    mountFiles(pyodide, MOUNT);
    /** In-place databases whose file this browser needs the user's permission to read again: name -> handle. */
    this.waiting = new Map();
  }

  /**
   * Boot step: reopen the in-place records; returns [name, path] of those to serve. A record without a handle is gone
   * with the window that opened it; one whose file cannot be read yet waits for permission.
   */
  async reopen(inPlace) {
    const opened = [];
    for (const record of inPlace) {
      if (!record.handle) {
        await records.remove(record.name);
        continue;
      }
      try {
        addFile(record.file, await record.handle.getFile());
        opened.push([record.name, pathIn(record)]);
      } catch {
        this.waiting.set(record.name, record.handle); // NotAllowedError: no permission yet; NotFoundError: moved
      }
    }
    return opened;
  }

  /** Forget an in-place database (the library's remove): the user's file is not touched. */
  forget(record) {
    this.waiting.delete(record.name);
    removeFile(record.file);
  }
}

/**
 * The API's methods for databases opened in place; copyInPlace copies one in as incoming.import does.
 * @param {Library} library @param {ReturnType<typeof import("./library-in.js").libraryIn>} incoming
 */
export function inPlaceApi(library, incoming) {
  /** Serve record's file (already added to the mount) read-only under its name. */
  async function serve(record) {
    const problem = library.py.problem_with(pathIn(record));
    if (problem) throw new Error(`${record.source.name} was not opened: ${problem}`);
    await library.serveNew(record.name, pathIn(record), record.source.name, { read_only: true });
    library.inPlace.waiting.delete(record.name);
  }

  return {
    async openInPlace(file, handle) {
      const record = await library.reserve(library.py.name_from_file(file.name), {
        file: `${crypto.randomUUID()}.db`, size: file.size, changed: file.lastModified, handle: handle ?? null,
        inPlace: true, source: { name: file.name, size: file.size, lastModified: file.lastModified },
      });
      try {
        addFile(record.file, file);
        await serve(record);
      } catch (error) {
        removeFile(record.file);
        await records.remove(record.name);
        throw error;
      }
      return library.describe(await library.keep(record));
    },

    /** The shell got the user's permission to read the file again (FileSystemHandle.requestPermission). */
    async allowInPlace(name) {
      const record = await library.find(name);
      const file = await record.handle.getFile().catch((error) => {
        throw new Error(`${record.source.name} could not be read (${error.message}). Was it moved or deleted?`);
      });
      addFile(record.file, file);
      await serve(record);
      return library.describe(await records.update(name, () => ({ size: file.size, changed: file.lastModified })));
    },

    async copyInPlace(importId, name) {
      const record = await library.find(name);
      const file = record.handle ? await record.handle.getFile() : library.fs.lookupPath(pathIn(record)).node.file;
      return incoming.import(importId, file, record.handle);
    },
  };
}
