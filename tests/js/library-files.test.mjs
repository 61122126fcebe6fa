// library-files.js: copyIntoFS streams a File into Pyodide's filesystem (a stand-in here) a chunk at a time, all its
// bytes in order, reporting how much is copied; a Cancel stops it with the signal's reason, the file closed either way.
import assert from "node:assert/strict";
import { test } from "node:test";
import { chunksOf, copyIntoFS } from "../../pwa/worker/library-files.js";

/** A stand-in for Emscripten's FS: the chunks written to each path (copied, as FS.write does), the streams open. */
function fakeFS() {
  const fs = { files: new Map(), streams: 0 };
  Object.assign(fs, {
    open(path, flags) {
      assert.equal(flags, "w");
      fs.streams++;
      fs.files.set(path, []);
      return path;
    },
    write: (path, chunk, offset, length) => fs.files.get(path).push(chunk.slice(offset, offset + length)),
    close: () => fs.streams--,
  });
  return fs;
}

const bytes = Uint8Array.from({ length: 2.5 * 1024 * 1024 }, (_, i) => (i * 7) % 256);

test("a File is copied whole and in order, its progress reported after each chunk", async () => {
  const fs = fakeFS();
  const progress = [];
  await copyIntoFS(fs, new File([bytes], "big.csv"), "/tmp/x", new AbortController().signal, (n) => progress.push(n));
  assert.deepEqual(Buffer.concat(fs.files.get("/tmp/x")), Buffer.from(bytes));
  assert.equal(fs.streams, 0);
  assert.ok(progress.length >= 3, `${progress.length} chunks of at most 1 MB`);
  assert.deepEqual(progress, [...progress].sort((a, b) => a - b));
  assert.equal(progress.at(-1), bytes.length);
});

test("a cancelled copy stops with the signal's reason and closes its file", async () => {
  const fs = fakeFS();
  const controller = new AbortController();
  let copied;
  const cancel = (loaded) => {
    copied = loaded;
    controller.abort(new Error("stop"));
  };
  await assert.rejects(copyIntoFS(fs, new File([bytes], "big.csv"), "/tmp/y", controller.signal, cancel), /stop/);
  assert.ok(copied < bytes.length);
  assert.equal(Buffer.concat(fs.files.get("/tmp/y")).length, copied);
  assert.equal(fs.streams, 0);
});

test("chunksOf reads a stream that is not a byte stream too (a download's body)", async () => {
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(new Uint8Array([1, 2]));
      controller.enqueue(new Uint8Array([3]));
      controller.close();
    },
  });
  const chunks = [];
  for await (const chunk of chunksOf({ stream: () => body }, new AbortController().signal)) chunks.push(...chunk);
  assert.deepEqual(chunks, [1, 2, 3]);
});
