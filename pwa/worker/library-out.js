// Copies going out of the library: Save back to the original file (or Save as…), Download, and the original's check.
import * as records from "../shared/records.js";
/** @import { Library } from "./library.js" */

// A Download's copy is read by the browser after the call returns: kept this long (or until the next start).
const DOWNLOAD_COPY_MS = 10 * 60 * 1000;

/**
 * The API's methods for copies going out (worker.js puts the API together: library-api.js).
 * @param {Library} library
 */
export const libraryOut = (library) => ({
  /** The original file's handle, for the shell to ask the user for write permission. */
  handle: async (name) => (await library.find(name)).handle,

  /** Has the original file changed on disk since it was opened or last saved? (Asked before Save overwrites it.) */
  async checkOriginal(name) {
    const { handle, source } = await library.find(name);
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
    const { file, scratch } = await takeSnapshot(library, name);
    try {
      // createWritable() writes to a swap file that replaces the target only on close: never a half-written file.
      await file.stream().pipeTo(await handle.createWritable());
    } finally {
      await library.store.discard(scratch);
    }
    const saved = await handle.getFile();
    const source = { name: saved.name, size: saved.size, lastModified: saved.lastModified };
    return library.describe(await records.update(name, () => ({ handle, source })));
  },

  /** A consistent copy as a File, for downloading. */
  async snapshot(name) {
    const { file, scratch } = await takeSnapshot(library, name);
    setTimeout(() => library.store.discard(scratch), DOWNLOAD_COPY_MS);
    return file;
  },
});

/**
 * A consistent copy of a database in a scratch file of its own: {file: File, scratch: its name}. Of one that cannot be
 * opened, its bytes as they are: SQLite cannot read it to copy it, and another program may.
 */
async function takeSnapshot(library, name) {
  const record = await library.find(name);
  const scratch = `snapshot-${crypto.randomUUID()}.db`;
  await library.store.open(scratch);
  try {
    if (!library.problemOf(name)) await library.py.snapshot(library.ds, name, library.store.path(scratch));
    else if (record.inPlace) throw new Error(`${name} is your own file, ${record.source.name}: there is no copy here.`);
    else {
      await library.store.open(record.file); // one set aside before it was opened
      library.py.copy_file(library.pathOf(record.file), library.store.path(scratch));
    }
  } finally {
    library.store.close(scratch);
  }
  return { file: await library.store.read(scratch), scratch };
}
