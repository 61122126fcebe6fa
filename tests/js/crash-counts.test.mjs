// crash-counts.js, on a stand-in for localStorage: a crash counts once against each database whose pages were being
// answered (matched by its URL, not a longer name that starts the same), two in a row set it aside, and an answered
// page or forgive() clears its count.
import assert from "node:assert/strict";
import { test } from "node:test";
import { answered, crashed, forgive, setAside } from "../../pwa/page/crash-counts.js";

const kept = new Map();
globalThis.localStorage = { getItem: (key) => kept.get(key) ?? null, setItem: (key, value) => kept.set(key, String(value)) };

const databases = [{ name: "shelf", url: "/ds/shelf" }, { name: "shelf2", url: "/ds/shelf2" }];
const at = (path) => `https://x.example${path}`;

test("two crashes in a row while a database's pages were answered set it aside", () => {
  crashed([at("/ds/shelf/items?_sort=id"), at("/ds/shelf.json"), at("/ds/"), at("/ds/_memory")], databases);
  assert.deepEqual(setAside(), []);
  crashed([at("/ds/shelf")], databases);
  assert.deepEqual(setAside(), ["shelf"]);
  crashed([at("/ds/shelf2/t"), at("/ds/shelf2/t/1")], databases);
  assert.deepEqual(setAside(), ["shelf"]);
});

test("an answered page of a database, or forgive(), clears its count", () => {
  answered(at("/ds/shelf/items"), databases);
  assert.deepEqual(setAside(), []);
  crashed([at("/ds/shelf2")], databases);
  assert.deepEqual(setAside(), ["shelf2"]);
  answered(at("/ds/shelf/items"), databases);
  assert.deepEqual(setAside(), ["shelf2"]);
  forgive("shelf2");
  assert.deepEqual(setAside(), []);
});

test("unreadable counts set nothing aside", () => {
  kept.set("datasette-pwa-crashes", "{not json");
  assert.deepEqual(setAside(), []);
  crashed([at("/ds/shelf")], databases);
  assert.deepEqual(setAside(), []);
});
