// What the user does with the library: open files, create, rename, remove, save back, save as, download.
// The work happens in the worker (library.js); this side asks questions, shows progress and reports.
import { LIBRARY } from "./protocol.js";
import * as ui from "./library-view.js";

let nextImport = 1;

// Files imported as a table rather than opened as a database.
const DATA_FILE = /\.(csv|tsv|tab|json|ndjson|jsonl)$/i;

// Asked once per browser, after the first database arrives (a moment the question makes sense). Never awaited:
// Firefox answers only when the user does, and nothing may wait on that.
const ASKED_TO_KEEP = "datasette-pwa-asked-persist";

const isWebAddress = (url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol);

/** Where the library lives and how much room it has: {memoryOnly} or {usage, quota, persisted} (either may be unknown). */
async function storageState(runtime) {
  if (!runtime.persistent) return { memoryOnly: true };
  const [estimate, persisted] = await Promise.all([
    navigator.storage?.estimate?.().catch(() => ({})) ?? {},
    navigator.storage?.persisted?.().catch(() => false) ?? false,
  ]);
  return { ...estimate, persisted };
}

function askToKeep() {
  if (localStorage.getItem(ASKED_TO_KEEP) || !navigator.storage?.persist) return;
  localStorage.setItem(ASKED_TO_KEEP, "1");
  navigator.storage.persist().catch(() => {});
}

export class LibraryActions {
  /** runtime: the Runtime; showPage(path): show that Datasette page (an absolute path, e.g. "/ds/fixtures"). */
  constructor(runtime, showPage) {
    this.runtime = runtime;
    this.showPage = showPage;
    this.actions = {
      open: (db) => showPage(db.url),
      save: (name) => this.save(name),
      saveAs: (name) => this.saveAs(name),
      download: (name) => this.download(name),
      rename: (name) => this.rename(name),
      check: (name) => this.check(name),
      remove: (name) => this.remove(name),
    };
  }

  async refresh() {
    ui.showLibrary(await this.runtime.call(LIBRARY.LIST), this.actions);
    ui.showStorage(await storageState(this.runtime));
  }

  /**
   * Open each file, one at a time: databases are copied into the library, CSV and JSON files imported as tables.
   * Every bad one is reported; the last good one is shown.
   */
  async open(items, { ask = true } = {}) {
    let last = null;
    for (const { file, handle } of items) {
      if (DATA_FILE.test(file.name)) {
        last = (await this.importData(file, ask)) ?? last;
        continue;
      }
      const db = await this.#copying(nextImport++, file.name, file.size, LIBRARY.IMPORT, file, handle);
      if (db?.notice) ui.notice(db.notice, "warning");
      last = db ?? last;
    }
    if (last) {
      askToKeep();
      this.showPage(last.url);
    }
    await this.refresh();
  }

  /**
   * Ask where a CSV or JSON file goes (unless ask is false: a new database), import it with progress, and report
   * skipped rows; returns {url} or null.
   */
  async importData(file, ask = true) {
    const databases = await this.runtime.call(LIBRARY.LIST);
    const stem = file.name.replace(DATA_FILE, "");
    const answer = !ask ? { choice: "", text: stem } : await ui.ask({
      title: `Import ${file.name}`,
      message: "Its rows become a table. Types (numbers, text) are detected.",
      choices: [{ label: `A new database “${stem}”`, value: "" }, ...databases.map((d) => ({ label: d.name, value: d.name }))],
      choiceLabel: "Into database",
      input: stem,
      inputLabel: "Table name",
      buttons: [{ label: "Import", value: "import" }],
    });
    if (!answer) return null;
    const result = await this.#copying(nextImport++, file.name, file.size, LIBRARY.IMPORT_DATA, file, answer.choice || null, answer.text);
    if (result) {
      ui.notice(`Imported ${result.rows} rows from ${file.name} into ${result.database}.`);
      result.notices.forEach((text) => ui.notice(text, "warning"));
    }
    return result;
  }

  async create() {
    const answer = await ui.ask({ title: "New database", input: "untitled", buttons: [{ label: "Create", value: "create" }] });
    if (!answer) return;
    await this.#attempt(async () => {
      const db = await this.runtime.call(LIBRARY.CREATE, answer.text.trim());
      askToKeep();
      this.showPage(db.url);
    });
  }

  async rename(name) {
    const answer = await ui.ask({ title: `Rename ${name}`, input: name, buttons: [{ label: "Rename", value: "rename" }] });
    if (!answer) return;
    await this.#attempt(async () => this.showPage((await this.runtime.call(LIBRARY.RENAME, name, answer.text.trim())).url));
  }

  async remove(name) {
    const answer = await ui.ask({
      title: `Remove ${name}?`,
      message: "Its copy in this app is deleted. The original file, if it came from one, is not touched.",
      buttons: [{ label: "Remove", value: "remove" }],
    });
    if (answer) await this.#attempt(() => this.runtime.call(LIBRARY.REMOVE, name));
  }

  /** "Open URL…": ask for the address of a database, CSV or JSON file. */
  async askForUrl() {
    const answer = await ui.ask({
      title: "Open a database from the web",
      message: "The address of a SQLite database, or of a CSV or JSON file. The server must allow other sites to read it (CORS).",
      input: "https://",
      inputLabel: "URL",
      buttons: [{ label: "Open", value: "open" }],
    });
    if (answer) await this.openUrl(answer.text);
  }

  /** A link asks to open url (?url=, ?csv=, ?json=): nothing is fetched before the user says yes. */
  async confirmUrl(url) {
    if (!isWebAddress(url)) return ui.notice(`“${url}” is not a web address (http:// or https://): nothing was opened.`, "error");
    const answer = await ui.ask({
      title: "Open a file from the web?",
      message: `A link asks to download this file and add it to your library:\n${url}\nNothing is fetched unless you choose Open.`,
      buttons: [{ label: "Open", value: "open" }],
    });
    if (answer) await this.openUrl(url, { ask: false });
  }

  /** Download a file (progress, Cancel) and open it like a local one; ask: false skips the import questions. */
  async openUrl(url, { ask = true } = {}) {
    if (!isWebAddress(url)) return ui.notice(`“${url}” is not a web address (http:// or https://).`, "error");
    const name = new URL(url).pathname.split("/").pop() || url;
    const importId = nextImport++;
    const file = await this.#copying(importId, name, 0, LIBRARY.DOWNLOAD, url);
    if (!file) return;
    try {
      await this.open([{ file, handle: null }], { ask });
    } finally {
      await this.runtime.call(LIBRARY.DISCARD_DOWNLOAD, importId);
    }
  }

  /** Versions of everything, and what the library uses of the browser's storage. */
  async about(versions) {
    const storage = await storageState(this.runtime);
    const count = (await this.runtime.call(LIBRARY.LIST)).length;
    await ui.ask({
      title: "Datasette, as an offline app",
      message: [
        `App build ${versions.build}`,
        `Datasette ${versions.datasette}`,
        `Pyodide ${versions.pyodide} (Python ${versions.python})`,
        `SQLite ${versions.sqlite}`,
        "",
        `${count} database${count === 1 ? "" : "s"} in the library`,
        ui.describeStorage(storage),
        "",
        window.launchQueue ? "Files open with this app from your file manager once it is installed." :
          "Opening files from your file manager needs Chrome or Edge (file handlers); here, use Open or drop them.",
      ].join("\n"),
      buttons: [{ label: "OK", value: "ok" }],
    });
  }

  /** Ctrl/Cmd+S: save the database whose page is shown (at path, e.g. "/ds/fixtures/items"). */
  async saveCurrent(path) {
    const databases = await this.runtime.call(LIBRARY.LIST);
    const current = databases.find((db) => path === db.url || path.startsWith(`${db.url}/`));
    if (current) await this.save(current.name);
    else ui.notice("Open one of your databases first: Save writes the database whose page is shown.");
  }

  /** Save back to the file it came from, asking first if that file changed on disk since. */
  async save(name) {
    await this.#attempt(async () => {
      const db = (await this.runtime.call(LIBRARY.LIST)).find((d) => d.name === name);
      if (!db?.canSaveBack) return this.saveAs(name);
      const handle = await this.runtime.call(LIBRARY.HANDLE, name);
      if ((await handle.requestPermission({ mode: "readwrite" })) !== "granted") {
        throw new Error(`Saving ${name} needs permission to write ${db.source.name}. Nothing was written; your database is safe here.`);
      }
      const { changedOnDisk } = await this.runtime.call(LIBRARY.CHECK_ORIGINAL, name);
      if (changedOnDisk) {
        const answer = await ui.ask({
          title: `${db.source.name} changed on disk`,
          message: `Another program changed ${db.source.name} after you opened it. Overwriting replaces those changes.`,
          buttons: [{ label: "Save as copy…", value: "copy" }, { label: "Overwrite", value: "overwrite" }],
        });
        if (!answer) return;
        if (answer.value === "copy") return this.saveAs(name);
      }
      await this.runtime.call(LIBRARY.SAVE_TO, name, handle);
      ui.notice(`Saved ${name} to ${db.source.name}.`);
    });
  }

  async saveAs(name) {
    if (!window.showSaveFilePicker) return this.download(name);
    let handle;
    try {
      handle = await window.showSaveFilePicker({ suggestedName: `${name}.db` });
    } catch (error) {
      if (error.name === "AbortError") return;
      throw error;
    }
    await this.#attempt(async () => {
      await this.runtime.call(LIBRARY.SAVE_TO, name, handle);
      ui.notice(`Saved ${name} to ${handle.name}.`);
    });
  }

  async check(name) {
    await this.#attempt(async () => {
      const problems = await this.runtime.call(LIBRARY.CHECK, name);
      if (problems.length === 1 && problems[0] === "ok") ui.notice(`${name} passed SQLite's integrity check.`);
      else ui.notice(`${name} failed SQLite's integrity check: ${problems.join("; ")}`, "error");
    });
  }

  async download(name) {
    await this.#attempt(async () => {
      const file = await this.runtime.call(LIBRARY.SNAPSHOT, name);
      const link = Object.assign(document.createElement("a"), { href: URL.createObjectURL(file), download: `${name}.db` });
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
    });
  }

  /**
   * Call a worker method that copies a file (its first argument is importId) with a progress row and Cancel.
   * Its error becomes a notice; returns its result, or null.
   */
  async #copying(importId, name, size, method, ...args) {
    const progress = ui.showImport(name, size, () => this.runtime.call(LIBRARY.CANCEL_IMPORT, importId));
    const onProgress = ({ detail }) => detail.importId === importId && progress.update(detail.loaded, detail.total);
    this.runtime.addEventListener("import-progress", onProgress);
    try {
      return await this.runtime.call(method, importId, ...args);
    } catch (error) {
      ui.notice(error.message, "error");
      return null;
    } finally {
      this.runtime.removeEventListener("import-progress", onProgress);
      progress.done();
    }
  }

  /** Run an action, show its error as a notice, and refresh the library either way. */
  async #attempt(action) {
    try {
      await action();
    } catch (error) {
      ui.notice(error.message, "error");
    } finally {
      await this.refresh();
    }
  }
}
