// About the app: every version, and where the library is kept.
import * as ui from "./library-view.js";
import { LIBRARY } from "./protocol.js";
/** @import { FileWindow } from "./opening.js" */
/** @import { StorageState } from "./library-view.js" */
/** @import { Versions } from "./protocol.js" */
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
 * Versions of everything, and what the library uses of the browser's storage.
 * @param {Runtime} runtime
 * @param {Versions} versions
 */
export async function showAbout(runtime, versions) {
  const storage = await storageState(runtime);
  const count = (await runtime.call(LIBRARY.LIST)).length;
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
      /** @type {FileWindow} */ (window).launchQueue
        ? "Files open with this app from your file manager once it is installed."
        : "Opening files from your file manager needs Chrome or Edge (file handlers); here, use Open or drop them.",
    ].join("\n"),
    buttons: [{ label: "OK", value: "ok" }],
  });
}
