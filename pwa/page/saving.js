// Saving a database out of the library: back to the file it came from, to a new file (Save as…), or as a download
// where the browser cannot write files. actions: the LibraryActions (its runtime, and attempt()).
import * as ui from "./library-view.js";
/** @import { FileWindow } from "./opening.js" */
/** @import { LibraryActions } from "./library-actions.js" */

/**
 * A file handle with its permission request, which TypeScript's DOM typings lack (File System Access, Chromium's).
 * @typedef {FileSystemFileHandle & {requestPermission(options: {mode: "readwrite"}): Promise<PermissionState>}}
 *   PermissionHandle
 */

/**
 * Ctrl/Cmd+S: save the database whose page is shown (at path, e.g. "/ds/fixtures/items").
 * @param {LibraryActions} actions
 * @param {string} path
 */
export async function saveCurrent(actions, path) {
  const current = await actions.databaseAt(path);
  if (current) await save(actions, current.name);
  else ui.notice("Open one of your databases first: Save writes the database whose page is shown.");
}

/**
 * Save back to the file it came from, asking first if that file changed on disk since.
 * @param {LibraryActions} actions
 * @param {string} name
 */
export async function save(actions, name) {
  await actions.attempt(async () => {
    const db = (await actions.runtime.call("list")).find((d) => d.name === name);
    if (!db?.canSaveBack) return saveAs(actions, name);
    const handle = /** @type {PermissionHandle} */ (await actions.runtime.call("handle", name));
    if ((await handle.requestPermission({ mode: "readwrite" })) !== "granted") {
      throw new Error(`Saving ${name} needs permission to write ${db.source.name}. Nothing was written; your database is safe here.`);
    }
    const { changedOnDisk } = await actions.runtime.call("checkOriginal", name);
    if (changedOnDisk) {
      const answer = await ui.ask({
        title: `${db.source.name} changed on disk`,
        message: `Another program changed ${db.source.name} after you opened it. Overwriting replaces those changes.`,
        buttons: [{ label: "Save as copy…", value: "copy" }, { label: "Overwrite", value: "overwrite" }],
      });
      if (!answer) return;
      if (answer.value === "copy") return saveAs(actions, name);
    }
    await actions.runtime.call("saveTo", name, handle);
    ui.notice(`Saved ${name} to ${db.source.name}.`);
  });
}

/**
 * @param {LibraryActions} actions
 * @param {string} name
 */
export async function saveAs(actions, name) {
  const win = /** @type {FileWindow} */ (window);
  if (!win.showSaveFilePicker) return download(actions, name);
  let handle;
  try {
    handle = await win.showSaveFilePicker({ suggestedName: `${name}.db` });
  } catch (error) {
    if (error.name === "AbortError") return;
    throw error;
  }
  await actions.attempt(async () => {
    await actions.runtime.call("saveTo", name, handle);
    ui.notice(`Saved ${name} to ${handle.name}.`);
  });
}

/**
 * @param {LibraryActions} actions
 * @param {string} name
 */
export async function download(actions, name) {
  await actions.attempt(async () => {
    const file = await actions.runtime.call("snapshot", name);
    const link = Object.assign(document.createElement("a"), { href: URL.createObjectURL(file), download: `${name}.db` });
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  });
}
