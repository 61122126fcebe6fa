// What the sidebar offers for each database of the library: one table of buttons, each with its tooltip, when it is
// offered and what it does (LibraryActions runs them; library-view.js draws them).
import { download, save, saveAs } from "./saving.js";
/** @import { LibraryActions } from "./library-actions.js" */
/** @import { DatabaseAction } from "./library-view.js" */
/** @import { Database } from "../shared/protocol.js" */

/**
 * Whether Datasette serves a database: null while it waits for permission to read its file, false when it cannot be
 * opened (db.problem), else true.
 * @param {Database} db
 */
const served = (db) => (db.waiting ? null : !db.problem);

/**
 * The sidebar's buttons for a database.
 * @param {LibraryActions} actions
 * @returns {DatabaseAction[]}
 */
export function databaseActions(actions) {
  return [
    { label: "Save", hint: (db) => `Save back to ${db.source.name} (Ctrl+S)`, when: (db) => db.canSaveBack,
      run: (db) => save(actions, db.name) },
    { label: "Allow…", hint: (db) => `Let the app read ${db.source.name} again`, when: (db) => Boolean(db.waiting),
      run: (db) => actions.allow(db) },
    { label: "Try again", hint: () => "Open it again: its file may have been mended meanwhile",
      when: (db) => served(db) === false && !db.inPlace, run: (db) => actions.retry(db.name) },
    { label: "Copy into library", hint: () => "Copy it into the app's storage, where it can be changed",
      when: (db) => db.inPlace && served(db), run: (db) => actions.copyIn(db) },
    { label: "Save as…", hint: () => "Save a copy to a file", when: (db) => !db.inPlace && served(db),
      run: (db) => saveAs(actions, db.name) },
    { label: "Download", hint: () => "Download a copy", when: (db) => !db.inPlace, run: (db) => download(actions, db.name) },
    { label: "Rename", hint: () => "Rename", when: (db) => served(db), run: (db) => actions.rename(db.name) },
    { label: "Publish…", hint: () => "Copy its tables to a Datasette server", when: (db) => served(db),
      run: (db) => actions.showPage(`${db.url}/-/publish`) },
    { label: "Pull…", hint: () => "Copy a table from a Datasette server into it", when: (db) => !db.inPlace && served(db),
      run: (db) => actions.showPage(`${db.url}/-/pull`) },
    { label: "Check", hint: () => "Run SQLite's integrity check", when: (db) => !db.waiting, run: (db) => actions.check(db.name) },
    { label: "Remove", hint: () => "Remove from the library", run: (db) => actions.remove(db) },
  ];
}
