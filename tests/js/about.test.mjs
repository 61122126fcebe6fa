// about.js's missingFeatures: what this browser cannot do of what the app offers, in sentences, judged from what the
// window has (a stand-in here) and whether the library is kept.
import assert from "node:assert/strict";
import { test } from "node:test";
import { missingFeatures } from "../../pwa/page/about.js";

test("a browser with the file pickers and file launches misses nothing while the library is kept", () => {
  globalThis.window = { showSaveFilePicker() {}, launchQueue: {} };
  assert.deepEqual(missingFeatures(true), []);
  assert.equal(missingFeatures(false).length, 1);
  assert.match(missingFeatures(false)[0], /keeps nothing here after the window closes/);
});

test("without them, each feature missing is one sentence", () => {
  globalThis.window = {};
  const missing = missingFeatures(true);
  assert.equal(missing.length, 2);
  assert.match(missing[0], /^Saving back to your original file needs Chrome or Edge/);
  assert.match(missing[1], /^Opening files from your file manager needs Chrome or Edge/);
  globalThis.window = { showSaveFilePicker() {} };
  assert.deepEqual(missingFeatures(true), [missing[1]]);
});
