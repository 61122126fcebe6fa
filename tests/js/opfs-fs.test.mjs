// opfs-fs.js's isWalHeader: which first 20 bytes of a file are a SQLite database in WAL mode (bytes 18 and 19 both 2),
// the files the library sets back to a rollback journal when it opens them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isWalHeader } from "../../pwa/worker/opfs-fs.js";

const header = (magic, write, read) => {
  const bytes = new Uint8Array(20);
  bytes.set(new TextEncoder().encode(magic));
  bytes.set([write, read], 18);
  return bytes;
};

test("only a SQLite header with both WAL bytes at 2 is in WAL mode", () => {
  assert.equal(isWalHeader(header("SQLite format 3\0", 2, 2)), true);
  assert.equal(isWalHeader(header("SQLite format 3\0", 1, 1)), false);
  assert.equal(isWalHeader(header("SQLite format 3\0", 2, 1)), false);
  assert.equal(isWalHeader(header("SQLite format 3\0", 1, 2)), false);
  assert.equal(isWalHeader(header("SQLite format 4\0", 2, 2)), false);
  assert.equal(isWalHeader(header("", 2, 2)), false); // an empty file's 20 zero bytes, but for these two
});
