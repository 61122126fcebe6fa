// The library's files in the Origin Private File System: mounted for SQLite through opfs-fs.js (read and written in
// place), copied in through sync access handles, kept across restarts.
import { chunksOf } from "./library-files.js";
import { closeDatabase, flushAll, mountOPFS, openDatabase } from "./opfs-fs.js";

// A window that just handed the library over is still closing its worker's file handles.
const HANDOVER_MS = 5000;

/** The store at mount: the interface library.js uses, the same as store-memory.js's. */
export async function opfsStore(pyodide, mount) {
  const directory = await mountOPFS(pyodide, mount);
  return {
    persistent: true,
    path: (file) => `${mount}/${file}`,
    open: openReleased,
    close: closeDatabase,
    flush: flushAll,
    copyIn: (source, file, signal, onProgress) => copyIn(directory, source, file, signal, onProgress),
    discard: (file) => discard(directory, file),
    keepOnly: (files) => removeOrphans(directory, files),
    read: async (file) => (await directory.getFileHandle(file)).getFile(),
  };
}

/** openDatabase, retried while another worker (of a window that just let go) still holds the file. */
async function openReleased(fileName) {
  const deadline = Date.now() + HANDOVER_MS;
  for (;;) {
    try {
      return await openDatabase(fileName);
    } catch (error) {
      if (Date.now() > deadline || error.cause?.name !== "NoModificationAllowedError") throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Stream a File into a new OPFS file through a sync access handle (2.4 times faster than createWritable in the
 * benchmark), reporting progress. A copy cut short is left incomplete, but it has no record, so the caller discards it
 * (and a start after a crash removes it).
 */
async function copyIn(directory, file, fileName, signal, onProgress) {
  const access = await (await directory.getFileHandle(fileName, { create: true })).createSyncAccessHandle();
  try {
    access.truncate(0);
    let loaded = 0;
    let reported = 0;
    for await (const chunk of chunksOf(file, signal)) {
      loaded += access.write(chunk, { at: loaded });
      if (loaded - reported > 4 * 1024 * 1024) {
        reported = loaded;
        onProgress(loaded);
      }
    }
    access.flush();
    onProgress(loaded);
  } finally {
    access.close();
  }
}

/** Delete every file but these (and their journals): a copy a crash cut short, a scratch copy left behind. */
async function removeOrphans(directory, keep) {
  const known = new Set(keep.flatMap((file) => [file, `${file}-journal`]));
  for await (const name of directory.keys()) {
    if (!known.has(name)) await directory.removeEntry(name).catch(() => {});
  }
}

/** Close and delete a library file and its journal, whatever state they are in. */
async function discard(directory, fileName) {
  try {
    closeDatabase(fileName);
  } catch {
    // not open
  }
  for (const name of [fileName, `${fileName}-journal`]) {
    await directory.removeEntry(name).catch(() => {});
  }
}
