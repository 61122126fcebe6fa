// Unit tests of the app's pure JavaScript modules, run with `node --test` (tests/test_code.py runs them with the fast
// tests). What needs a browser (OPFS, workers, the service worker) is tested in one, by the Python tests.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatBytes } from "../../pwa/shared/bytes.js";
import { libraryState } from "../../pwa/shared/counters.js";
import { datasettePageAt } from "../../pwa/shared/protocol.js";

test("sizes read as a person says them", () => {
  assert.equal(formatBytes(0), "1 KB");
  assert.equal(formatBytes(1536), "2 KB");
  assert.equal(formatBytes(4.1 * 1024 ** 2), "4.1 MB");
  assert.equal(formatBytes(1.71 * 1024 ** 3), "1.71 GB");
});

test("the library's state is the same whoever lists its files, journals left out", () => {
  const a = [["b.db", new Uint8Array([0, 0, 0, 7])], ["a.db", new Uint8Array([0, 0, 1, 2])], ["a.db-journal", new Uint8Array(4)]];
  const b = [["a.db", new Uint8Array([0, 0, 1, 2])], ["b.db", new Uint8Array([0, 0, 0, 7])]];
  assert.equal(libraryState(a), "a.db:0.0.1.2 b.db:0.0.0.7");
  assert.equal(libraryState(a), libraryState(b));
  assert.equal(libraryState([["short.db", new Uint8Array(2)]]), "short.db:-");
});

test("the shell opens the Datasette page in its address, else Datasette's home page", () => {
  const root = "https://x.example/app/ds/";
  assert.equal(datasettePageAt("https://x.example/app/ds/shelf/items?_sort=id", root), "https://x.example/app/ds/shelf/items?_sort=id");
  assert.equal(datasettePageAt("https://x.example/app/?url=https://y/z.db", root), root);
  assert.equal(datasettePageAt("https://x.example/app/", root), root);
});
