// bytes.js's roomLeft, on a stand-in for navigator.storage: the bytes the browser still lets the app store, never
// below 0, and null when the browser does not say. (formatBytes: pure.test.mjs.)
import assert from "node:assert/strict";
import { test } from "node:test";
import { roomLeft } from "../../pwa/shared/bytes.js";

const browser = (storage) => Object.defineProperty(globalThis, "navigator", { value: { storage }, configurable: true });

test("room left is the quota less the usage, never below 0", async () => {
  browser({ estimate: async () => ({ quota: 1000, usage: 300 }) });
  assert.equal(await roomLeft(), 700);
  browser({ estimate: async () => ({ quota: 1000, usage: 1200 }) });
  assert.equal(await roomLeft(), 0);
  browser({ estimate: async () => ({ quota: 1000 }) });
  assert.equal(await roomLeft(), 1000);
});

test("room left is null when the browser does not say", async () => {
  browser({ estimate: async () => ({}) });
  assert.equal(await roomLeft(), null);
  browser({ estimate: () => Promise.reject(new Error("no")) });
  assert.equal(await roomLeft(), null);
  browser(undefined);
  assert.equal(await roomLeft(), null);
});
