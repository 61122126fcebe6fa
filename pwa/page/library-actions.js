// What the user does with the library: open files, create, rename, remove, check; open-url.js opens files from the
// web, saving.js saves and downloads, about.js tells about the app. The work happens in the worker (worker/library-api.js); this
// side asks questions, shows progress and reports.
import { refreshStorage } from "./about.js";
import { databaseActions } from "./database-actions.js";
import { forgive } from "./crash-counts.js";
import { formatBytes, roomLeft } from "../shared/bytes.js";
import { importQuestion, sheetsQuestion } from "./import-questions.js";
import { isDataFile, isScript, isSpreadsheet } from "./opening.js";
import { withProgress } from "./copying.js";
import * as ui from "./library-view.js";
/** @import { Runtime } from "./runtime.js" */
/** @import { DatabaseAction, Question } from "./library-view.js" */
/** @import { Database } from "../shared/protocol.js" */

let nextImport = 1;
/** A new import id: it names a copy into the library, for its progress and its Cancel (protocol.js). */
export const newImportId = () => nextImport++;


/** Why a file does not fit, with the sizes, and what opening it in place means. */
async function tooBigMessage(file) {
  return `${file.name} is ${formatBytes(file.size)}, and this browser lets the app store ${formatBytes(await roomLeft())} ` +
    "more, so it cannot be copied into the library. The app can open it in place instead: read-only, straight from " +
    "your file, without copying it. Its pages, facets and search work; to change it, free space and copy it in.";
}

// Asked once per browser, after the first database arrives (a moment the question makes sense). Never awaited:
// Firefox answers only when the user does, and nothing may wait on that.
const ASKED_TO_KEEP = "datasette-pwa-asked-persist";

function askToKeep() {
  if (localStorage.getItem(ASKED_TO_KEEP) || !navigator.storage?.persist) return;
  localStorage.setItem(ASKED_TO_KEEP, "1");
  navigator.storage.persist().catch(() => {});
}

export class LibraryActions {
  /**
   * runtime: the Runtime; showPage(path): show that Datasette page (an absolute path, e.g. "/ds/fixtures").
   * @param {Runtime} runtime
   * @param {(path: string) => void} showPage
   */
  constructor(runtime, showPage) {
    this.runtime = runtime;
    this.showPage = showPage;
    /** The library as last shown. @type {Database[]} */
    this.databases = [];
    /**
     * What the sidebar offers for each database: its button, the button's tooltip, when it is offered, what it does.
     * @type {DatabaseAction[]}
     */
    this.databaseActions = databaseActions(this);
    /** Told the library each time it is listed (shell.js: the welcome follows it). @type {(dbs: Database[]) => void} */
    this.onListed = () => {};
  }

  async refresh() {
    this.databases = await this.runtime.call("list");
    ui.showLibrary(this.databases, (db) => this.#openFromSidebar(db), this.databaseActions);
    await refreshStorage(this.runtime);
    this.onListed(this.databases);
  }

  /** A database's name clicked in the sidebar: its page, or why it cannot be shown. */
  #openFromSidebar(db) {
    if (db.problem) ui.notice(`${db.name} can't be opened: ${db.problem}`, "error");
    else if (db.waiting) this.allow(db);
    else this.showPage(db.url);
  }

  /** The library's database that the Datasette page at path (e.g. "/ds/fixtures/items?_sort=id") belongs to, if any. */
  async databaseAt(path) {
    const page = new URL(path, location.href).pathname;
    return (await this.runtime.call("list")).find((db) => page === db.url || page.startsWith(`${db.url}/`));
  }

  /**
   * Show the Datasette page at path; a page of an in-place database waiting for permission asks for it first. A
   * window whose library is run by another window (or whose worker failed) just shows the page, as the library's
   * owner answers it.
   */
  async goTo(path) {
    const db = this.runtime.running ? await this.databaseAt(path).catch(() => null) : null;
    if (db?.waiting) await this.allow(db, path);
    else this.showPage(path);
  }

  /**
   * A button on a Datasette page that runs a library action: features/read_only.py's "Copy into library" on the pages of
   * a database opened in place (data-library-action names the action, data-database the database). HTML from the
   * data can reach a page too (a stored query's description_html), so that is the only one: the action, for the
   * database the page belongs to, in place. Any other such button is disabled.
   * @param {Document} page
   */
  bindPageActions(page) {
    const path = page.location.pathname;
    const db = this.databases.find((d) => d.inPlace && !d.waiting && (path === d.url || path.startsWith(`${d.url}/`)));
    for (const button of page.querySelectorAll("button[data-library-action]")) {
      const { libraryAction, database } = /** @type {HTMLElement} */ (button).dataset;
      const allowed = db && libraryAction === "Copy into library" && database === db.name;
      if (allowed) button.addEventListener("click", () => this.copyIn(db));
      else /** @type {HTMLButtonElement} */ (button).disabled = true;
    }
  }

  /**
   * Open each file, one at a time: databases are copied into the library, CSV, JSON and spreadsheets imported as tables.
   * Every bad one is reported; the last good one is shown.
   */
  async open(items, { ask = true, inPlace = false } = {}) {
    let last = null;
    for (const { file, handle } of items) {
      if (isDataFile(file.name)) {
        last = (inPlace ? this.#notInPlace(file) : await this.importData(file, ask)) ?? last;
        continue;
      }
      if (inPlace || (await this.#tooBig(file))) {
        last = (await this.openInPlace(file, handle, inPlace)) ?? last;
        continue;
      }
      const db = await this.copying(newImportId(), file.name, file.size, "import", file, handle);
      if (db?.notice) ui.notice(db.notice, "warning");
      last = db ?? last;
    }
    if (last) {
      askToKeep();
      this.showPage(last.url);
    }
    await this.refresh();
  }

  /** Serve a database read-only from the user's file, never copied (chosen: the user asked for it; else, ask). */
  async openInPlace(file, handle, chosen) {
    if (!chosen) {
      const answer = await ui.ask({ title: `${file.name} does not fit`, message: await tooBigMessage(file), buttons: [
        { label: "Open in place", value: "in-place" }] });
      if (!answer) return null;
    }
    try {
      const db = await this.runtime.call("openInPlace", file, handle);
      if (!handle) ui.notice(`${db.name} is open in place for as long as this window is: open ${file.name} again after a restart.`);
      return db;
    } catch (error) {
      ui.notice(error.message, "error");
      return null;
    }
  }

  /** Whether a database file is bigger than the room this browser gives the app (it cannot be copied in). */
  async #tooBig(file) {
    const room = await roomLeft();
    return room !== null && file.size > room;
  }

  #notInPlace(file) {
    ui.notice(`${file.name} is not a database: only SQLite databases open in place. Use Open database to import it.`, "error");
    return null;
  }

  /**
   * After a restart: ask the browser to let the app read an in-place database's file again, then serve it and show
   * page (its own page by default).
   */
  async allow(db, page = db.url) {
    const handle = /** @type {FileSystemFileHandle & {requestPermission?: (d: {mode: string}) => Promise<string>}} */ (db.waiting);
    const state = await handle.requestPermission?.({ mode: "read" }).catch(() => "denied");
    if (state !== "granted") return ui.notice(`The app may not read ${db.source.name}: it stays in the library, waiting.`, "warning");
    await this.attempt(async () => {
      await this.runtime.call("allowInPlace", db.name);
      this.showPage(page);
    });
  }

  async copyIn(db) {
    const copied = await this.copying(newImportId(), db.source.name, db.size, "copyInPlace", db.name);
    if (copied) {
      ui.notice(`${db.source.name} was copied into the library as ${copied.name}, where it can be changed.`);
      this.showPage(copied.url);
    }
    await this.refresh();
  }

  /**
   * Ask where a data file goes (unless ask is false: a new database), import it with progress, and report
   * skipped rows; returns {url} or null. A SQL script runs in the database instead of becoming one table, and always
   * asks first, however it came (a link too): it runs statements the user has not seen.
   */
  async importData(file, ask = true) {
    const script = isScript(file.name);
    const stem = file.name.replace(/\.[^.]*$/, "");
    const sheets = isSpreadsheet(file.name) ? await this.copying(newImportId(), file.name, file.size, "sheets", file) : [];
    if (!sheets) return null; // not a spreadsheet after all: the notice says why
    const databases = () => this.runtime.call("list");
    const question = () => (sheets.length ? sheetsQuestion(file, stem, sheets, databases) : importQuestion(file, stem, script, databases));
    const answer = !ask && !script ? { choice: "", text: sheets.length === 1 ? sheets[0] : stem, option: "" }
      : await ui.ask(await question());
    if (!answer) return null;
    // One sheet: the one picked, or a workbook's only one; null: every sheet, each a table named after it.
    const sheet = answer.option || (sheets.length === 1 ? sheets[0] : null);
    const result = await this.copying(newImportId(), file.name, file.size, "importData", file, answer.choice || null,
      answer.text ?? stem, sheet);
    if (result) {
      ui.notice(script ? `Ran ${result.statements} statements from ${file.name} in ${result.database}.`
        : `Imported ${result.rows} rows from ${file.name} into ${result.database}.`);
      result.notices.forEach((text) => ui.notice(text, "warning"));
    }
    return result;
  }

  async create() {
    const answer = await ui.ask({ title: "New database", input: "untitled", buttons: [{ label: "Create", value: "create" }] });
    if (!answer) return;
    await this.attempt(async () => {
      const db = await this.runtime.call("create", answer.text.trim());
      askToKeep();
      this.showPage(db.url);
    });
  }

  async rename(name) {
    const answer = await ui.ask({ title: `Rename ${name}`, input: name, buttons: [{ label: "Rename", value: "rename" }] });
    if (!answer) return;
    await this.attempt(async () => this.showPage((await this.runtime.call("rename", name, answer.text.trim())).url));
  }

  async remove(db) {
    const answer = await ui.ask({
      title: `Remove ${db.name}?`,
      message: db.inPlace ? `It leaves the library. Your file, ${db.source.name}, is not touched.`
        : "Its copy in this app is deleted. The original file, if it came from one, is not touched.",
      buttons: [{ label: "Remove", value: "remove" }],
    });
    if (answer) await this.attempt(async () => {
      await this.runtime.call("remove", db.name);
      forgive(db.name);
    });
  }

  /** Open a database that could not be opened, again (its crashes are forgiven: crash-counts.js). */
  async retry(name) {
    forgive(name);
    await this.attempt(async () => {
      const db = await this.runtime.call("retry", name);
      if (db.problem) ui.notice(`${name} still can't be opened: ${db.problem}`, "error");
      else this.showPage(db.url);
    });
  }

  async check(name) {
    await this.attempt(async () => {
      const problems = await this.runtime.call("check", name);
      if (problems.length === 1 && problems[0] === "ok") ui.notice(`${name} passed SQLite's integrity check.`);
      else ui.notice(`${name} failed SQLite's integrity check: ${problems.join("; ")}`, "error");
    });
  }

  /**
   * Call a worker method that copies a file (its first argument is importId) with a progress row and Cancel
   * (copying.js); its error becomes a notice. Returns its result, or null.
   */
  copying(importId, name, size, method, ...args) {
    return withProgress(this.runtime, importId, name, size, method, ...args);
  }

  /** Run an action, show its error as a notice, and refresh the library either way. */
  async attempt(action) {
    try {
      await action();
    } catch (error) {
      ui.notice(error.message, "error");
    } finally {
      await this.refresh();
    }
  }
}
