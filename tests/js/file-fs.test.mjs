// file-fs.js, the read-only filesystem of databases opened in place, on a stand-in for Emscripten's FS and for
// FileReaderSync: reads across its 256 KB chunks and past a file's end, the chunks it keeps (and drops), a file
// that changed on disk failing as EBADF, and every write refused (EROFS).
import assert from "node:assert/strict";
import { test } from "node:test";
import { addFile, mountFiles, removeFile } from "../../pwa/worker/file-fs.js";

const CHUNK = 256 * 1024;
const EBADF = 8, EROFS = 69;
const byteAt = (i) => i % 251;

class ErrnoError extends Error {
  constructor(errno) {
    super(`errno ${errno}`);
    this.errno = errno;
  }
}
let ids = 0;
const FS = {
  ErrnoError,
  mkdirTree() {},
  mount(type) {
    FS.root = type.mount();
  },
  createNode: (parent, name, mode) => ({ name, mode, id: ++ids }),
  destroyNode() {},
};
mountFiles({ FS }, "/inplace");

const reads = []; // the start of every slice FileReaderSync read
globalThis.FileReaderSync = class {
  readAsArrayBuffer({ start, end, file }) {
    if (file.gone) throw new DOMException("changed on disk", "NotReadableError");
    reads.push(start);
    return Uint8Array.from({ length: end - start - (file.short ? 1 : 0) }, (_, i) => byteAt(start + i)).buffer;
  }
};
console.warn = () => {}; // file-fs.js says what failed in the console
const fileOf = (size) => {
  const file = { size, lastModified: 5000, slice: (start, end) => ({ start, end: Math.min(end, size), file }) };
  return file;
};

/** Read length bytes at position of the file called name, into a buffer at offset 3: [count, the bytes read]. */
function read(name, position, length) {
  const node = FS.root.contents[name];
  const buffer = new Uint8Array(length + 3);
  const count = node.stream_ops.read({ node, position }, buffer, 3, length, position);
  return [count, [...buffer.subarray(3, 3 + count)]];
}
const expected = (from, to) => Array.from({ length: to - from }, (_, i) => byteAt(from + i));

test("reads span chunks and stop at the file's end; a chunk read once is kept", () => {
  const size = 3 * CHUNK + 100;
  addFile("x.db", fileOf(size));
  assert.deepEqual(read("x.db", CHUNK - 5, 10), [10, expected(CHUNK - 5, CHUNK + 5)]);
  assert.deepEqual(reads.splice(0), [0, CHUNK]);
  assert.deepEqual(read("x.db", 7, 4), [4, expected(7, 11)]);
  assert.deepEqual(read("x.db", size - 4, 10), [4, expected(size - 4, size)]);
  assert.deepEqual(read("x.db", size + 10, 10), [0, []]);
  assert.deepEqual(reads.splice(0), [3 * CHUNK]);
  const { size: statSize, mtime } = FS.root.contents["x.db"].node_ops.getattr(FS.root.contents["x.db"]);
  assert.deepEqual([statSize, mtime.getTime()], [size, 5000]);
});

test("64 chunks are kept, the least recently used dropped first; a new snapshot of a file starts afresh", () => {
  addFile("big.db", fileOf(70 * CHUNK));
  for (let i = 0; i <= 64; i++) read("big.db", i * CHUNK, 1);
  reads.splice(0);
  for (const chunk of [64, 1, 0, 2, 1]) read("big.db", chunk * CHUNK, 1); // 0 was dropped, then 2, not 1 (used)
  assert.deepEqual(reads.splice(0), [0, 2 * CHUNK]);
  addFile("big.db", fileOf(70 * CHUNK));
  read("big.db", 64 * CHUNK, 1);
  assert.deepEqual(reads.splice(0), [64 * CHUNK]);
  assert.deepEqual(FS.root.node_ops.readdir(FS.root), [".", "..", "x.db", "big.db"]);
  removeFile("big.db");
  assert.deepEqual(FS.root.node_ops.readdir(FS.root), [".", "..", "x.db"]);
});

test("a file that changed on disk, or reads short, fails as EBADF; nothing can be written", () => {
  addFile("gone.db", Object.assign(fileOf(100), { gone: true }));
  assert.throws(() => read("gone.db", 0, 10), { errno: EBADF });
  addFile("short.db", Object.assign(fileOf(100), { short: true }));
  assert.throws(() => read("short.db", 0, 10), { errno: EBADF });
  const node = FS.root.contents["x.db"];
  assert.throws(() => node.stream_ops.write({ node }, new Uint8Array(1), 0, 1, 0), { errno: EROFS });
  assert.throws(() => FS.root.node_ops.mknod(FS.root, "new.db", 0o100644), { errno: EROFS });
  assert.throws(() => FS.root.node_ops.unlink(FS.root, "x.db"), { errno: EROFS });
});
