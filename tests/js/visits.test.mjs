// visits.js: which visits keep their page for the next start (saved-views.js, whose IndexedDB is a stand-in that
// notes what is put): a page visit (not a fetch) the response cache may keep, of an HTML answer, in a persistent
// library, and none once a request may have written to _memory, even one that ended while the page was drawn.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as records from "../../pwa/shared/records.js";
import { ended, keepViews, visitOf } from "../../pwa/worker/visits.js";

const put = []; // the URLs of the views put in IndexedDB
globalThis.indexedDB = {
  open() {
    const transaction = { objectStore: () => ({ put: (view) => put.push(view.url), count: () => ({}) }) };
    const database = { close() {}, transaction: () => (queueMicrotask(() => transaction.oncomplete()), transaction) };
    const request = { result: database };
    queueMicrotask(() => request.onsuccess());
    return request;
  },
};
records.keepInMemory();

const BASE = "/ds/";
const visit = (path, method = "GET") => ({ type: "request", id: 1, method, url: `https://x.example${BASE}${path}`,
  headers: [], body: null, navigate: method === "GET" });
const cache = { cacheable: true, files: "f.db:0.0.0.1", hit: null, keep: async () => null };
const answer = (type) => Promise.resolve({ headers: [["content-type", type]], body: new ArrayBuffer(4) });

test("a page visit of an HTML page is kept, once the library is known to be persistent", async () => {
  assert.equal(visitOf(visit("a"), cache), null);
  keepViews(true, "b1");
  assert.equal(visitOf({ ...visit("a"), navigate: false }, cache), null);
  assert.equal(visitOf(visit("a"), { ...cache, cacheable: false }), null);
  await visitOf(visit("a"), cache)(answer("text/html; charset=utf-8"));
  await visitOf(visit("a.json"), cache)(answer("application/json"));
  await visitOf(visit("b"), cache)(Promise.resolve(null)); // the cache did not keep the answer
  assert.deepEqual(put, ["https://x.example/ds/a"]);
});

test("nothing is kept once a request may have written to _memory, nor in a memory-only library", async () => {
  ended(visit("_memory/-/query?sql=select+1"), BASE); // a read
  ended(visit("shelf/-/insert", "POST"), BASE);
  const drawn = visitOf(visit("c"), cache);
  assert.notEqual(drawn, null);
  ended(visit("_memory/-/query", "POST"), BASE);
  await drawn(answer("text/html"));
  assert.equal(visitOf(visit("d"), cache), null);
  keepViews(true, "b1"); // the next start
  assert.notEqual(visitOf(visit("d"), cache), null);
  keepViews(false, "b1");
  assert.equal(visitOf(visit("d"), cache), null);
  assert.deepEqual(put, ["https://x.example/ds/a"]);
});
