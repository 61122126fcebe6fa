// Opening a file from the web: "Open URL…", and a link that asks for one (?url=, ?csv=, ?json=). Nothing is fetched
// before the user says yes; the download shows progress and can be cancelled, then opens like a file from disk (a
// SQL script then asks again, showing its first statements, before it runs).
import { newImportId } from "./library-actions.js";
import * as ui from "./library-view.js";
import { isScript } from "./opening.js";
/** @import { LibraryActions } from "./library-actions.js" */

const isWebAddress = (url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol);

/** The name of the file at url, as the download is named (library-in.js), which says what kind of file it is. */
function fileNameOf(url) {
  const name = new URL(url).pathname.split("/").pop();
  try {
    return decodeURIComponent(name) || url;
  } catch {
    return name; // not UTF-8 once decoded: the download fails with the reason
  }
}

/**
 * "Open URL…": ask for the address of a database, CSV or JSON file.
 * @param {LibraryActions} actions
 */
export async function askForUrl(actions) {
  const answer = await ui.ask({
    title: "Open a database from the web",
    message: "The address of a SQLite database, or of a CSV or JSON file. The server must allow other sites to read it (CORS).",
    input: "https://",
    inputLabel: "URL",
    buttons: [{ label: "Open", value: "open" }],
  });
  if (answer) await openUrl(actions, answer.text);
}

/**
 * A link asks to open url: nothing is fetched before the user says yes.
 * @param {LibraryActions} actions
 * @param {string} url
 */
export async function confirmUrl(actions, url) {
  if (!isWebAddress(url)) return ui.notice(`“${url}” is not a web address (http:// or https://): nothing was opened.`, "error");
  const answer = await ui.ask(isScript(fileNameOf(url)) ? {
    title: "Open a SQL script from the web?",
    message: `A link asks to download this SQL script, whose statements change a database of your library:\n${url}\n` +
      "Nothing is fetched unless you choose Open; nothing runs before you have seen its first statements and chosen Run.",
    buttons: [{ label: "Open", value: "open" }],
  } : {
    title: "Open a file from the web?",
    message: `A link asks to download this file and add it to your library:\n${url}\nNothing is fetched unless you choose Open.`,
    buttons: [{ label: "Open", value: "open" }],
  });
  if (answer) await openUrl(actions, url, { ask: false });
}

/**
 * Download a file and open it like a local one; ask: false skips the import questions (but a script's: it always asks).
 * @param {LibraryActions} actions
 * @param {string} url
 */
async function openUrl(actions, url, { ask = true } = {}) {
  if (!isWebAddress(url)) return ui.notice(`“${url}” is not a web address (http:// or https://).`, "error");
  const name = fileNameOf(url);
  const importId = newImportId();
  const file = await actions.copying(importId, name, 0, "download", url);
  if (!file) return;
  try {
    await actions.open([{ file, handle: null }], { ask });
  } finally {
    await actions.runtime.call("discardDownload", importId);
  }
}
