// recent.js, on a stand-in for localStorage: the last pages visited, newest first, each once, at most 8; Datasette's
// tool pages (/-/...) are not kept, but a query's page (/-/query) is.
import assert from "node:assert/strict";
import { test } from "node:test";
import { recentPages, remember } from "../../pwa/page/recent.js";

const kept = new Map();
globalThis.localStorage = { getItem: (key) => kept.get(key) ?? null, setItem: (key, value) => kept.set(key, String(value)) };

const paths = () => recentPages().map((page) => page.path);

test("a page visited again moves to the top, with its new title", () => {
  remember("/ds/a", "A");
  remember("/ds/b", "B");
  assert.deepEqual(remember("/ds/a", "A, again"), [{ path: "/ds/a", title: "A, again" }, { path: "/ds/b", title: "B" }]);
  assert.deepEqual(recentPages(), [{ path: "/ds/a", title: "A, again" }, { path: "/ds/b", title: "B" }]);
});

test("tool pages are not kept, a query's page is", () => {
  remember("/ds/a/-/publish", "Publish");
  remember("/ds/-/settings", "Settings");
  remember("/ds/a/-/query?sql=select+1", "Query");
  assert.deepEqual(paths(), ["/ds/a/-/query?sql=select+1", "/ds/a", "/ds/b"]);
});

test("at most 8 are kept, the oldest dropped; an unreadable list is empty", () => {
  for (let i = 1; i <= 10; i++) remember(`/ds/t${i}`, `T${i}`);
  assert.deepEqual(paths(), ["/ds/t10", "/ds/t9", "/ds/t8", "/ds/t7", "/ds/t6", "/ds/t5", "/ds/t4", "/ds/t3"]);
  kept.set("datasette-pwa-recent", "[oops");
  assert.deepEqual(recentPages(), []);
});
