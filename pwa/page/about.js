// About the app: every version, and where the library is kept.
import * as ui from "./library-view.js";
/** @import { FileWindow } from "./opening.js" */
/** @import { StorageState } from "./library-view.js" */
/** @import { Versions } from "../shared/protocol.js" */
/** @import { Runtime } from "./runtime.js" */

/**
 * Where the library lives and how much room it has: {memoryOnly} or {usage, quota, persisted} (either may be unknown).
 * @param {Runtime} runtime
 * @returns {Promise<StorageState>}
 */
export async function storageState(runtime) {
  if (!runtime.persistent) return { memoryOnly: true };
  const [estimate, persisted] = await Promise.all([
    navigator.storage?.estimate?.().catch(() => ({})) ?? {},
    navigator.storage?.persisted?.().catch(() => false) ?? false,
  ]);
  return { ...estimate, persisted };
}

/**
 * What this browser cannot do of what the app offers, in sentences (none in Chrome and Edge), for About and the welcome.
 * @param {boolean} persistent whether the library is kept across visits
 */
export function missingFeatures(persistent) {
  const win = /** @type {FileWindow} */ (window);
  return [
    persistent ? "" : "This browser keeps nothing here after the window closes (a private window, or no storage the app can " +
      "use): Download what you want to keep.",
    win.showSaveFilePicker ? "" : "Saving back to your original file needs Chrome or Edge: here Save as… downloads a copy.",
    win.launchQueue ? "" : "Opening files from your file manager needs Chrome or Edge, installed: here, use Open or drop them.",
  ].filter(Boolean);
}

/**
 * Read where the library is kept and show it in the sidebar: the one source of the storage figures, read after every
 * change of the library and when About opens, so that both say the same.
 * @param {Runtime} runtime
 */
export async function refreshStorage(runtime) {
  const storage = await storageState(runtime);
  ui.showStorage(storage);
  return storage;
}

/**
 * Versions of everything, and what the library uses of the browser's storage.
 * @param {Runtime} runtime
 * @param {Versions} versions
 */
export async function showAbout(runtime, versions) {
  const storage = await refreshStorage(runtime);
  const count = (await runtime.call("list")).length;
  await ui.inform(
    "Datasette, as an offline app",
    [
      `App build ${versions.build}`,
      `Datasette ${versions.datasette}`,
      `Pyodide ${versions.pyodide} (Python ${versions.python})`,
      `SQLite ${versions.sqlite}${versions.sqliteNote ? ` (Pyodide's own: ${versions.sqliteNote})` : ""}`,
      "",
      `${count} database${count === 1 ? "" : "s"} in the library`,
      ui.describeStorage(storage),
      "",
      /** @type {FileWindow} */ (window).launchQueue ? "Files open with this app from your file manager once it is installed." : "",
      ...missingFeatures(runtime.persistent),
    ].join("\n"),
  );
}
