// settings.js's load, on a stand-in for localStorage: the settings kept in this browser, {} when there are none or
// they cannot be read (the worker then uses its defaults).
import assert from "node:assert/strict";
import { test } from "node:test";
import { load } from "../../pwa/page/settings.js";

const kept = new Map();
globalThis.localStorage = { getItem: (key) => kept.get(key) ?? null };

test("the settings kept, else none", () => {
  assert.deepEqual(load(), {});
  kept.set("datasette-pwa-settings", JSON.stringify({ sqlTimeLimitMs: 5000 }));
  assert.deepEqual(load(), { sqlTimeLimitMs: 5000 });
  kept.set("datasette-pwa-settings", "{oops");
  assert.deepEqual(load(), {});
});
