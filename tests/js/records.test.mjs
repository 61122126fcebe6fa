// records.js with the records in memory (keepInMemory, the memory-only library): names reserved without clashes,
// pending records apart from the databases, renames that refuse a name in use, sizes noted by file name.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as records from "../../pwa/shared/records.js";

records.keepInMemory();

const names = async () => (await records.all()).map((r) => r.name).sort();

test("a reserved name is free among the records and the names Datasette serves, and pending until put", async () => {
  const first = await records.reserve("shelf", ["_memory"], { file: "a.db", size: 0 });
  const second = await records.reserve("shelf", [], { file: "b.db", size: 0 });
  const third = await records.reserve("shelf", ["shelf-3"], { file: "c.db", size: 0 });
  assert.deepEqual([first.name, second.name, third.name], ["shelf", "shelf-2", "shelf-4"]);
  assert.equal(first.pending, true);
  assert.deepEqual(await records.databases(), []);
  const { pending, ...complete } = first;
  await records.put(complete);
  assert.deepEqual((await records.databases()).map((r) => r.name), ["shelf"]);
  for (const name of ["shelf", "shelf-2", "shelf-4"]) await records.remove(name);
  assert.deepEqual(await names(), []);
});

test("a rename refuses a name in use, by a record or by Datasette, and changes nothing then", async () => {
  await records.put({ name: "a", file: "a.db", size: 1 });
  await records.put({ name: "b", file: "b.db", size: 2 });
  await assert.rejects(records.rename("a", "b", []), /already a database called “b”/);
  await assert.rejects(records.rename("a", "_memory", ["_memory"]), /already a database called “_memory”/);
  await assert.rejects(records.rename("nope", "c", []), /no database called “nope”/);
  assert.deepEqual(await names(), ["a", "b"]);
  assert.deepEqual(await records.rename("a", "c", []), { name: "c", file: "a.db", size: 1 });
  assert.deepEqual(await names(), ["b", "c"]);
});

test("written notes sizes and time by file name; update replaces the fields it returns", async () => {
  await records.written({ "a.db": 10, "other.db": 5 }, 1234);
  const byName = Object.fromEntries((await records.all()).map((r) => [r.name, r]));
  assert.deepEqual(byName.c, { name: "c", file: "a.db", size: 10, changed: 1234 });
  assert.deepEqual(byName.b, { name: "b", file: "b.db", size: 2 });
  assert.equal((await records.update("b", (r) => ({ size: r.size + 1 }))).size, 3);
  await assert.rejects(records.update("nope", () => ({})), /no database called “nope”/);
  assert.deepEqual(await names(), ["b", "c"]);
});
