// database-actions.js: the buttons the sidebar offers for a database in each state it can be in (copied into the
// library or opened in place; served, set aside with a problem, or waiting for permission to read its file), and
// where the page buttons lead.
import assert from "node:assert/strict";
import { test } from "node:test";
import { databaseActions } from "../../pwa/page/database-actions.js";

const shown = [];
const table = databaseActions({ showPage: (path) => shown.push(path) });
const offered = (db) => table.filter((action) => !action.when || action.when(db)).map((action) => action.label);
const database = { name: "a", url: "/ds/a", source: { name: "a.db" }, canSaveBack: false, inPlace: false,
  waiting: null, problem: null };

test("a database copied into the library: Save only with its file to save back to; Try again once set aside", () => {
  const all = ["Save", "Save as…", "Download", "Rename", "Publish…", "Pull…", "Check", "Remove"];
  assert.deepEqual(offered({ ...database, canSaveBack: true }), all);
  assert.deepEqual(offered(database), all.slice(1));
  assert.deepEqual(offered({ ...database, problem: "file is not a database" }), ["Try again", "Download", "Check", "Remove"]);
});

test("a database opened in place: copied in, not saved; Allow… while it waits for permission", () => {
  const inPlace = { ...database, inPlace: true };
  assert.deepEqual(offered(inPlace), ["Copy into library", "Rename", "Publish…", "Check", "Remove"]);
  assert.deepEqual(offered({ ...inPlace, waiting: {} }), ["Allow…", "Remove"]);
  assert.deepEqual(offered({ ...inPlace, problem: "file is not a database" }), ["Check", "Remove"]);
});

test("Publish… and Pull… open the database's own pages for them", () => {
  for (const label of ["Publish…", "Pull…"]) table.find((action) => action.label === label).run(database);
  assert.deepEqual(shown, ["/ds/a/-/publish", "/ds/a/-/pull"]);
});
