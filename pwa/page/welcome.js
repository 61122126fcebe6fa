// The welcome: what a newcomer sees in the main area while the library is empty (and, on a first visit, while Python
// starts), in place of Datasette's home page with nothing but _memory on it. It says what the app is, offers the ways
// in (open, new, a URL, drop) and a sample database, says that files stay on this device, how to install the app,
// and what this browser lacks. Once a database is open, Datasette's own home page takes its place.
import { missingFeatures } from "./about.js";
import { newImportId } from "./library-actions.js";
import * as view from "./view.js";
/** @import { LibraryActions } from "./library-actions.js" */
/** @import { Database } from "../shared/protocol.js" */

// build.py writes it (build_steps/sample.py); tests/test_build.py checks the name is the same in both.
const SAMPLE = "sample.db";
// Where the sample opens: its sightings, faceted by park and weather, so that a facet is one click from the welcome.
const SAMPLE_PAGE = "/sightings?_facet=park&_facet=weather";
// Whether this browser has had a database in its library: a first visit shows the welcome while Python starts.
const HAD_DATABASES = "datasette-pwa-had-databases";

const $ = (id) => document.getElementById(id);

/**
 * Wire the welcome's buttons to the library's actions (open, create and askForUrl: the sidebar's own).
 * @param {LibraryActions} library
 * @param {{open: () => void, create: () => void, askForUrl: () => void}} actions
 */
export function bindWelcome(library, { open, create, askForUrl }) {
  $("welcome-open").onclick = open;
  $("welcome-new").onclick = create;
  $("welcome-url").onclick = askForUrl;
  $("welcome-sample").onclick = () => trySample(library);
  showMissing(true);
}

/** Whether this is a first visit, as far as the library goes: nothing was ever listed in it here. */
export const firstVisit = () => !localStorage.getItem(HAD_DATABASES);

/**
 * Follow the library: the welcome while it is empty and the frame shows Datasette's home page, the frame otherwise.
 * @param {Database[]} databases @param {boolean} atHome @param {boolean} persistent
 */
export function follow(databases, atHome, persistent) {
  showMissing(persistent);
  if (databases.length) localStorage.setItem(HAD_DATABASES, "1");
  if (!databases.length && atHome) view.showWelcome();
  else if (view.welcomeShown()) view.showFrame();
}

/** "Try a sample database": the precached sample, copied into the library like any file, shown with a facet. */
async function trySample(library) {
  const response = await fetch(SAMPLE);
  const file = new File([await response.blob()], SAMPLE, { lastModified: Date.now() });
  const db = await library.copying(newImportId(), SAMPLE, file.size, "import", file, null);
  if (db) library.showPage(db.url + SAMPLE_PAGE);
  await library.refresh();
}

function showMissing(persistent) {
  $("welcome-missing").replaceChildren(...missingFeatures(persistent).map((text) => Object.assign(document.createElement("li"), { textContent: text })));
}
