// The library's files in Pyodide's memory, where a browser gives the app no usable Origin Private File System
// (WebKitGTK; Firefox's and Safari's private windows): everything works but keeping them, which the user is told.
import { copyIntoFS } from "./library-files.js";
import { isWalHeader } from "./opfs-fs.js";

/** The store at mount: the interface library.js uses, the same as store-opfs.js's. */
export function memoryStore(pyodide, mount) {
  const FS = pyodide.FS;
  FS.mkdirTree(mount);
  const path = (file) => `${mount}/${file}`;
  const exists = (file) => FS.analyzePath(path(file)).exists;
  const seen = new Map(); // file -> modification time when flush() last looked
  return {
    persistent: false,
    path,
    async open(file) {
      if (!exists(file)) FS.writeFile(path(file), new Uint8Array());
      leaveWal(FS, path(file));
    },
    close() {},
    /** The files written since the last call (MEMFS keeps each file's modification time). */
    flush() {
      const written = FS.readdir(mount).filter((file) => {
        if (file === "." || file === "..") return false;
        const time = FS.stat(path(file)).mtime.getTime();
        const changed = seen.get(file) !== time;
        seen.set(file, time);
        return changed;
      });
      return written;
    },
    copyIn: (source, file, signal, onProgress) => copyIntoFS(FS, source, path(file), signal, onProgress),
    async discard(file) {
      for (const name of [file, `${file}-journal`]) if (exists(name)) FS.unlink(path(name));
    },
    async keepOnly() {}, // nothing outlives the worker
    read: async (file) => new File([FS.readFile(path(file))], file),
  };
}

// As opfs-fs.js does: a WAL-mode file would make SQLite want -wal and -shm files; without a -wal file it is complete.
function leaveWal(FS, path) {
  const stream = FS.open(path, "r+");
  try {
    const header = new Uint8Array(20);
    FS.read(stream, header, 0, 20, 0);
    if (isWalHeader(header)) FS.write(stream, new Uint8Array([1, 1]), 0, 2, 18);
  } finally {
    FS.close(stream);
  }
}
