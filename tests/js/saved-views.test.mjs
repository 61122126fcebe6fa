// saved-views.js: a page kept by the worker (keep) is answered by the service worker (answer, at addressOf) without
// its scripts, marked with when it was kept, until anything it shows may have changed: the build, the library's
// records, a file's change counter; never with a database opened in place. IndexedDB and OPFS are small stand-ins
// (a Map each), the records are records.js's in memory.
import assert from "node:assert/strict";
import { test } from "node:test";
import { libraryState } from "../../pwa/shared/counters.js";
import * as records from "../../pwa/shared/records.js";
import { addressOf, answer, keep, pathIn, recordsNow, SAVED_AT } from "../../pwa/shared/saved-views.js";

const views = new Map(); // IndexedDB's store of views, by url
const later = (request, result) => queueMicrotask(() => request.onsuccess?.({ target: { result } }));
const store = {
  put: (view) => views.set(view.url, view),
  get: (url) => ({ result: views.get(url) }),
  count() {
    const request = {};
    later(request, views.size);
    return request;
  },
};
globalThis.indexedDB = {
  open() {
    const request = { result: { close() {}, transaction: () => transaction() } };
    queueMicrotask(() => request.onsuccess());
    return request;
  },
};
function transaction() {
  const made = { objectStore: () => store };
  queueMicrotask(() => made.oncomplete());
  return made;
}
const opfs = new Map([["f.db", new Uint8Array(32).fill(7, 24)]]); // the library's files, each one's bytes
const entries = () => [...opfs].map(([name, bytes]) => [name, { getFile: async () => new File([bytes], name) }]);
const library = { getDirectoryHandle: async () => ({ entries: async function* () { yield* entries(); } }) };
Object.defineProperty(globalThis, "navigator", { value: { storage: { getDirectory: async () => library } } });
records.keepInMemory();

const SCOPE = "https://x.example/app/";
const PAGE = "https://x.example/app/ds/shelf/items?_sort=id&_size=5";
const files = () => libraryState([...opfs].map(([name, bytes]) => [name, bytes.subarray(24, 28)]));
const html = new TextEncoder()
  .encode('<html><head><script src="a.js"></script></head><body>rows<script>\nx()</script></body></html>').buffer;
const served = async (build = "b1", page = PAGE) => {
  const response = await answer(new Request(addressOf(page, SCOPE)), build);
  return response.status === 200 ? response.text() : response.status;
};

test("a view's address is under the app's scope, at pathIn", () => {
  const address = new URL(addressOf(PAGE, SCOPE));
  assert.equal(address.pathname, pathIn(SCOPE));
  assert.equal(address.pathname, "/app/saved-view");
  assert.equal(address.searchParams.get("of"), PAGE);
});

test("a kept page is served without scripts, marked, until the build, the records or a file change", async () => {
  await records.put({ name: "shelf", file: "f.db" });
  await keep(PAGE, html, "b1", await recordsNow(), files());
  const page = await served();
  assert.match(page, new RegExp(`^<html><head><meta name="${SAVED_AT}" content="\\d+"></head><body>rows</body></html>$`));
  assert.equal(await served("b2"), 204);
  await records.rename("shelf", "books", []);
  assert.equal(await served(), 204);
  await records.rename("books", "shelf", []);
  assert.equal(await served(), page);
  opfs.get("f.db")[27] = 8; // a commit
  assert.equal(await served(), 204);
});

test("no view is kept with a database opened in place, nor answered once one is in the library", async () => {
  const page = "https://x.example/app/ds/mine";
  await records.put({ name: "mine", file: "m.db", inPlace: true });
  await keep(page, html, "b1", await recordsNow(), files());
  assert.equal(views.has(page), false);
  await records.remove("mine");
  await keep(page, html, "b1", await recordsNow(), files());
  assert.equal(views.has(page), true);
  await records.put({ name: "mine", file: "m.db", inPlace: true });
  assert.equal(await served("b1", page), 204);
});

test("a view whose store cannot be read is no view (204), never an error", async () => {
  const { open } = globalThis.indexedDB;
  globalThis.indexedDB.open = () => {
    throw new Error("IndexedDB is broken");
  };
  assert.equal(await served(), 204);
  globalThis.indexedDB.open = open;
});
