// library-view.js's describeStorage, the sidebar's line (and About's) about where the library is kept.
import assert from "node:assert/strict";
import { test } from "node:test";
import { describeStorage } from "../../pwa/page/library-view.js";

test("the storage line says where the library is, how full, and whether it is kept", () => {
  assert.equal(describeStorage({ memoryOnly: true }),
    "Storage: in memory only · gone when this window closes (Download keeps a copy)");
  assert.equal(describeStorage({ usage: 5 * 1024 ** 2, quota: 2 * 1024 ** 3, persisted: true }),
    "Storage: 5.0 MB used of 2.00 GB · kept until you remove it");
  assert.equal(describeStorage({ usage: 5 * 1024 ** 2, persisted: true }),
    "Storage: in this browser · kept until you remove it");
  assert.equal(describeStorage({ persisted: false }),
    "Storage: in this browser · the browser may clear it if the disk runs low");
});
