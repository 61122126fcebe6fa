// opfs-fs.js: lets Pyodide's SQLite read and write database files kept in the Origin Private File System.
//
// Why not the built-in filesystems: MEMFS keeps whole files in wasm memory (lost on reload, ~2 GB cap) and
// mountNativeFS/syncfs copies whole files back and forth. A FileSystemSyncAccessHandle reads and writes in place
// and synchronously, which is what an Emscripten filesystem needs (wasm calls it synchronously). Handles exist
// only in dedicated workers and are exclusive per file (one tab at a time: coordinate with the Web Locks API).
//
// The catch: creating a handle is async. So every file SQLite will touch is opened beforehand by openDatabase(),
// and the mount contains exactly those files; creating any other file fails (SQLite: "unable to open database
// file"). Hence a rollback journal, never WAL (-wal and -shm cannot be created): use PRAGMA journal_mode=TRUNCATE
// (DELETE and PERSIST work too; TRUNCATE flushed fastest and, unlike PERSIST, leaves no large journal behind).
// Temporary files (sorts, temp tables) are not affected: SQLite puts them in /tmp, which is MEMFS.
//
// Worker usage:
//   await mountOPFS(pyodide, "/library");   // backed by OPFS directory "library"
//   await openDatabase("test.db");          // then in Python: sqlite3.connect("/library/test.db")
//   flushAll();                             // after every request that may have written
//   closeDatabase("test.db");               // after Python closed its connections

// Emscripten's errno numbers (WASI numbering, not Linux).
const EBADF = 8, EBUSY = 10, EINVAL = 28, ENOENT = 44, ENOSPC = 51, EPERM = 63;
const DIR_MODE = 0o40777, FILE_MODE = 0o100666;

let FS; // pyodide.FS once mounted
let dir; // the FileSystemDirectoryHandle behind the mount
let root; // the mount's root node
const files = new Map(); // file name -> { handle, node }; node is null while the file is "unlinked"
const unflushed = new Set(); // handles written or truncated since their last flush
const changed = new Set(); // names of files written or truncated since the last flushAll()

// An exception other than FS.ErrnoError escaping into wasm aborts Pyodide for good; an errno is returned to
// SQLite, which reports it as an ordinary error ("disk I/O error", "database or disk is full"). Not EIO:
// SQLite reports a read failing with EIO as "database disk image is malformed".
function io(call) {
  try {
    return call();
  } catch (e) {
    console.warn("opfs-fs:", e);
    throw new FS.ErrnoError(e?.name === "QuotaExceededError" ? ENOSPC : EBADF);
  }
}

const size = (node) => (node.handle ? io(() => node.handle.getSize()) : 4096);
const inUse = (node) => FS.streams.some((stream) => stream?.node === node);

const dirOps = {
  getattr,
  setattr() {},
  // Every file we have is already a node in FS's name table, so FS only asks us about names we lack.
  lookup() {
    throw new FS.ErrnoError(ENOENT);
  },
  // Creating a file cannot be done synchronously; give back a pre-opened file that SQLite deleted earlier.
  mknod(parent, name, mode) {
    const entry = files.get(name);
    if (!entry || !FS.isFile(mode)) {
      console.warn(`opfs-fs: cannot create ${FS.getPath(parent)}/${name}: only files opened with openDatabase() exist`);
      throw new FS.ErrnoError(EPERM);
    }
    return (entry.node = fileNode(name, entry.handle));
  },
  // Removing an OPFS entry is async too. An empty file is what SQLite expects after deleting a journal
  // (journal_mode=DELETE, or a stale journal next to an empty database), so keep the handle and empty it.
  // SQLite only deletes closed files; refuse otherwise rather than empty a file still in use.
  unlink(parent, name) {
    const entry = files.get(name);
    if (inUse(entry.node)) throw new FS.ErrnoError(EBUSY);
    truncate(entry.node, 0);
    entry.node = null;
  },
  readdir: () => [".", "..", ...[...files].filter(([, e]) => e.node).map(([name]) => name)],
  // No rename, rmdir, mkdir or symlink: FS answers EPERM for missing operations.
};

const fileOps = {
  getattr,
  setattr(node, attr) {
    if (attr.size !== undefined) truncate(node, attr.size); // ftruncate, and open() with O_TRUNC
  },
};

const streamOps = {
  read: (stream, buffer, offset, length, position) =>
    io(() => stream.node.handle.read(buffer.subarray(offset, offset + length), { at: position })),
  write(stream, buffer, offset, length, position) {
    touch(stream.node);
    return io(() => stream.node.handle.write(buffer.subarray(offset, offset + length), { at: position }));
  },
  // SQLite's fsync (Emscripten's fd_sync calls this): its journal must be on disk before it overwrites the database,
  // or a power cut in between leaves pages no journal can restore.
  fsync(stream) {
    flush(stream.node.handle);
    return 0;
  },
  llseek(stream, offset, whence) {
    const position = offset + (whence === 1 ? stream.position : whence === 2 ? size(stream.node) : 0);
    if (position < 0) throw new FS.ErrnoError(EINVAL);
    return position;
  },
};

function getattr(node) {
  const bytes = size(node);
  const time = new Date(node.mtime); // creation time of the node: nothing here relies on mtime
  return {
    dev: 1, ino: node.id, mode: node.mode, nlink: 1, uid: 0, gid: 0, rdev: 0, size: bytes,
    atime: time, mtime: time, ctime: time, blksize: 4096, blocks: Math.ceil(bytes / 4096),
  };
}

function truncate(node, length) {
  touch(node);
  io(() => node.handle.truncate(length));
}

function touch(node) {
  unflushed.add(node.handle);
  changed.add(node.name);
}

/** Flush a handle if anything was written since its last flush. */
function flush(handle) {
  if (unflushed.delete(handle)) io(() => handle.flush()); // deleted first: one failing flush does not fail every later one
}

function fileNode(name, handle) {
  const node = FS.createNode(root, name, FILE_MODE);
  Object.assign(node, { handle, node_ops: fileOps, stream_ops: streamOps });
  return node;
}

/** Mount the OPFS directory `directory` (default: one named like the mount point) at `mountPoint`. One per worker. */
export async function mountOPFS(pyodide, mountPoint, directory) {
  if (FS) throw new Error("opfs-fs: already mounted");
  const opfsRoot = await navigator.storage.getDirectory();
  dir = directory ?? (await opfsRoot.getDirectoryHandle(mountPoint.split("/").pop(), { create: true }));
  FS = pyodide.FS;
  FS.mkdirTree(mountPoint);
  const mount = () => {
    root = FS.createNode(null, "/", DIR_MODE);
    return Object.assign(root, { node_ops: dirOps, stream_ops: streamOps });
  };
  FS.mount({ mount }, {}, mountPoint);
  return dir;
}

/** Open (creating if missing) `name` and `name-journal` in the mounted directory so SQLite can use them. */
export async function openDatabase(name) {
  for (const fileName of [name, `${name}-journal`]) {
    if (files.has(fileName)) continue;
    const fileHandle = await dir.getFileHandle(fileName, { create: true });
    const handle = await fileHandle.createSyncAccessHandle().catch((e) => {
      const busy = e.name === "NoModificationAllowedError";
      throw busy ? new Error(`opfs-fs: ${fileName} is open in another tab or worker`, { cause: e }) : e;
    });
    files.set(fileName, { handle, node: fileNode(fileName, handle) });
    if (fileName === name) leaveWal(handle);
  }
}

// A database in WAL mode (header bytes 18 and 19 are 2, e.g. a file imported from elsewhere) makes SQLite create
// -wal and -shm files, which this filesystem cannot. Without a -wal file the database file is complete, so set
// them back to 1 (rollback journal), as PRAGMA journal_mode=DELETE would.
function leaveWal(handle) {
  const header = new Uint8Array(20);
  handle.read(header, { at: 0 });
  if (isWalHeader(header)) {
    handle.write(new Uint8Array([1, 1]), { at: 18 });
    handle.flush();
  }
}

/** Whether these first 20 bytes of a file are a SQLite database's in WAL mode. */
export function isWalHeader(header) {
  const isSqlite = new TextDecoder().decode(header.subarray(0, 16)) === "SQLite format 3\0";
  return isSqlite && header[18] === 2 && header[19] === 2;
}

/** Why this browser's OPFS cannot hold the library (a phrase for the user), or null when it can. */
export async function whyNoOPFS() {
  if (!navigator.storage?.getDirectory) return "this browser has no Origin Private File System";
  try {
    const root = await navigator.storage.getDirectory();
    const name = `probe-${crypto.randomUUID()}`;
    const probe = await root.getFileHandle(name, { create: true });
    (await probe.createSyncAccessHandle()).close();
    await root.removeEntry(name);
    return null;
  } catch (error) {
    return `this browser does not let the app write files there (${error.message})`;
  }
}

/**
 * Make everything written since the last call durable, and return the names of the files that were written.
 * Emscripten drops SQLite's fsync, so call this yourself.
 */
export function flushAll() {
  for (const { handle } of files.values()) flush(handle);
  const written = [...changed];
  changed.clear();
  return written;
}

/** Flush and close `name` and its journal, so they can be removed, replaced or opened elsewhere. */
export function closeDatabase(name) {
  const names = [name, `${name}-journal`].filter((fileName) => files.has(fileName));
  const busy = names.find((fileName) => inUse(files.get(fileName).node));
  // Closing a handle under an open connection would turn its next read into "disk I/O error".
  if (busy) throw new Error(`opfs-fs: ${busy} is still open in Python: close its connections first`);
  for (const fileName of names) {
    const { handle, node } = files.get(fileName);
    flush(handle);
    handle.close();
    if (node) FS.destroyNode(node);
    files.delete(fileName);
  }
}
