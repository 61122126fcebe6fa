// file-fs.js: lets Pyodide's SQLite read a database straight from the user's own file, without copying it: an
// Emscripten filesystem whose files are File objects (from the picker, a drop, or a FileSystemFileHandle), read in
// slices with FileReaderSync, which dedicated workers have in every engine. Nothing is ever written: Datasette opens
// these databases immutable (read-only, no journal, no locks), and a write fails with EROFS.
//
// A File is a snapshot: if the file changes on disk, reading it fails (NotReadableError), which SQLite reports as an
// I/O error; the library then offers to open it again.
//
// Worker usage:
//   mountFiles(pyodide, "/inplace");
//   addFile("x.db", file);      // then in Python: sqlite3.connect("file:/inplace/x.db?immutable=1", uri=True)
//   removeFile("x.db");         // after Python closed its connections

// Emscripten's errno numbers (WASI numbering, not Linux).
const EBADF = 8, ENOENT = 44, EROFS = 69;
const DIR_MODE = 0o40555, FILE_MODE = 0o100444;

let FS;
let root;
let reader; // one FileReaderSync, made on the first read

// An exception other than FS.ErrnoError escaping into wasm aborts Pyodide (see opfs-fs.js): a read that fails is EBADF.
function io(call) {
  try {
    return call();
  } catch (e) {
    console.warn("file-fs:", e);
    throw new FS.ErrnoError(EBADF);
  }
}

const refuse = () => {
  throw new FS.ErrnoError(EROFS);
};

function getattr(node) {
  const bytes = node.file ? node.file.size : 4096;
  const time = new Date(node.file?.lastModified ?? 0);
  return {
    dev: 2, ino: node.id, mode: node.mode, nlink: 1, uid: 0, gid: 0, rdev: 0, size: bytes,
    atime: time, mtime: time, ctime: time, blksize: 4096, blocks: Math.ceil(bytes / 4096),
  };
}

const dirOps = {
  getattr,
  setattr: refuse,
  lookup() {
    throw new FS.ErrnoError(ENOENT); // every file is already a node in FS's name table
  },
  mknod: refuse,
  unlink: refuse,
  readdir: (node) => [".", "..", ...Object.keys(node.contents)],
};

const fileOps = { getattr, setattr: refuse };

// Each FileReaderSync call costs far more than the bytes it reads: SQLite's page-sized reads one by one made a 1.7 GB
// file's first table page take 3.7 s (0.3 s from OPFS). So files are read in chunks, the latest kept.
const CHUNK = 256 * 1024;
const KEPT_CHUNKS = 64; // 16 MB

/** Chunk number index of node's file, from the cache (most recently used last) or read now. */
function chunk(node, index) {
  let bytes = node.chunks.get(index);
  if (bytes) {
    node.chunks.delete(index);
  } else {
    const start = index * CHUNK;
    reader ??= new FileReaderSync();
    bytes = io(() => new Uint8Array(reader.readAsArrayBuffer(node.file.slice(start, start + CHUNK))));
    // Fewer bytes than the File's size promises is an error too, else the read loop below would wait for ever for
    // bytes that never come. (Measured: Chromium and Firefox raise NotReadableError instead for a file truncated on
    // disk, its mtime kept or not, and for a /sys file whose stat size exceeds its content; WebKitGTK gives that one
    // its real size. Nothing here reads short, but nothing promises it.)
    if (bytes.length < Math.min(CHUNK, node.file.size - start)) {
      console.warn(`file-fs: ${node.name} read short at ${start}: it changed on disk`);
      throw new FS.ErrnoError(EBADF);
    }
    if (node.chunks.size >= KEPT_CHUNKS) node.chunks.delete(node.chunks.keys().next().value);
  }
  node.chunks.set(index, bytes);
  return bytes;
}

const streamOps = {
  read(stream, buffer, offset, length, position) {
    const end = Math.min(position + length, stream.node.file.size);
    let at = position;
    while (at < end) {
      const bytes = chunk(stream.node, Math.floor(at / CHUNK));
      const from = at % CHUNK;
      const part = bytes.subarray(from, Math.min(bytes.length, from + end - at));
      buffer.set(part, offset + at - position);
      at += part.length;
    }
    return Math.max(end - position, 0);
  },
  write: refuse,
  llseek(stream, offset, whence) {
    return offset + (whence === 1 ? stream.position : whence === 2 ? stream.node.file.size : 0);
  },
};

/** Mount an empty read-only directory at mountPoint. One per worker. */
export function mountFiles(pyodide, mountPoint) {
  FS = pyodide.FS;
  FS.mkdirTree(mountPoint);
  const mount = () => {
    root = FS.createNode(null, "/", DIR_MODE);
    return Object.assign(root, { node_ops: dirOps, stream_ops: streamOps, contents: {} });
  };
  FS.mount({ mount }, {}, mountPoint);
}

/** Make file readable as name in the mount (replacing what was there: a new snapshot of the same file). */
export function addFile(name, file) {
  removeFile(name);
  const node = FS.createNode(root, name, FILE_MODE);
  root.contents[name] = Object.assign(node, { file, chunks: new Map(), node_ops: fileOps, stream_ops: streamOps });
}

export function removeFile(name) {
  const node = root.contents[name];
  if (!node) return;
  delete root.contents[name];
  FS.destroyNode(node);
}
