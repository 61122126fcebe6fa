// A file copied into the library (or a download, or an import): a progress row with Cancel while the worker works.
import * as ui from "./library-view.js";
/** @import { Runtime } from "./runtime.js" */
/** @import { ImportProgressMessage } from "../shared/protocol.js" */

// A copy hears Cancel between chunks, within milliseconds; a statement runs in Python, which hears nothing until it
// ends (a recursive query in a script may never end). Past this, the worker is stopped: its journal rolls the
// statement back at the next start, as after a crash, and a new database the import made was never kept.
const CANCEL_GRACE_MS = 3000;

/**
 * Call a worker method that copies a file (its first argument is importId) with a progress row and Cancel.
 * Its error becomes a notice; returns its result, or null.
 * @param {Runtime} runtime
 */
export async function withProgress(runtime, importId, name, size, method, ...args) {
  let stuck; // a Cancel that the worker cannot hear: it runs a statement, in Python, that has not ended
  const progress = ui.showImport(name, size, () => {
    runtime.call("cancelImport", importId).catch(() => {}); // fails if the worker is stopped: no matter
    stuck = setTimeout(() => runtime.interrupt(`${name} was cancelled: its SQL was still running, so ` +
      "Datasette was restarted to stop it. Nothing of it was kept."), CANCEL_GRACE_MS);
  });
  const onProgress = (/** @type {CustomEvent<ImportProgressMessage>} */ { detail }) =>
    detail.importId === importId && progress.update(detail.loaded, detail.total);
  runtime.addEventListener("import-progress", onProgress);
  try {
    return await runtime.call(method, importId, ...args);
  } catch (error) {
    ui.notice(error.message, "error");
    return null;
  } finally {
    clearTimeout(stuck);
    runtime.removeEventListener("import-progress", onProgress);
    progress.done();
  }
}
