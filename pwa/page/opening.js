// Every way a file (a database, or CSV/JSON data) reaches the app: the Open button (file picker, or <input type=file> where there is none),
// drag and drop anywhere on the window (Datasette's frame included), and the OS's "open with" (launchQueue).
// Each hands over a list of {file, handle}; handle is a FileSystemFileHandle when the browser gives one
// (needed for saving back), else null. Which files: formats.js, written by build.py from python/datasette_pwa/formats.py.
// @ts-expect-error: build.py writes formats.js into the copy of pwa/ it bundles; pwa/ has no copy to check against.
import { FORMATS } from "./formats.js";

/**
 * The window with the APIs for files that only some browsers have (Chromium's), which TypeScript's DOM typings lack:
 * the File System Access pickers and the launch queue of the manifest's file handlers.
 * @typedef {Window & {
 *   showOpenFilePicker?: (options: {multiple?: boolean, types?: object[]}) => Promise<FileSystemFileHandle[]>,
 *   showSaveFilePicker?: (options: {suggestedName?: string}) => Promise<FileSystemFileHandle>,
 *   launchQueue?: {setConsumer(consumer: (params: {files: FileSystemFileHandle[]}) => void): void},
 * }} FileWindow
 */


const CHANGE_AFTER_CANCEL_MS = 500;

const withFiles = (handles) => Promise.all(handles.map(async (handle) => ({ file: await handle.getFile(), handle })));

/** Ask the user for files: the File System Access picker keeps handles; the input is the fallback. */
export async function pickFiles(input) {
  const win = /** @type {FileWindow} */ (window);
  if (win.showOpenFilePicker) {
    try {
      return await withFiles(await win.showOpenFilePicker({ multiple: true, types: FORMATS.pickerTypes }));
    } catch (error) {
      if (error.name === "AbortError") return [];
      throw error;
    }
  }
  return new Promise((resolve) => {
    input.accept = FORMATS.accept;
    input.value = "";
    input.onchange = () => resolve([...input.files].map((file) => ({ file, handle: null })));
    // Firefox under automation fires "cancel" about 40 ms before the "change" that brings the chosen files
    // (shared/notes/browsers.md): a cancel is final only when no change follows.
    input.oncancel = () => setTimeout(() => resolve([]), CHANGE_AFTER_CANCEL_MS);
    input.click();
  });
}

/** Files dropped: handles must be asked for during the drop event itself, so collect the promises first. */
async function droppedFiles(dataTransfer) {
  const items = [...dataTransfer.items].filter((item) => item.kind === "file");
  const pending = items.map((item) => ({ file: item.getAsFile(), handle: item.getAsFileSystemHandle?.() ?? null }));
  const opened = await Promise.all(pending.map(async ({ file, handle }) => ({ file, handle: await handle })));
  return opened.filter(({ file, handle }) => file && (!handle || handle.kind === "file"));
}

/** Show the overlay whenever files are dragged over the shell or its frame; hand the dropped files to onFiles. */
export function acceptDrops(overlay, frame, onFiles) {
  const dragging = (event) => event.dataTransfer?.types.includes("Files");
  const show = (event) => {
    if (!dragging(event)) return;
    event.preventDefault();
    overlay.hidden = false;
  };
  // The overlay covers the frame while shown, so the rest of the drag and the drop land on the shell.
  window.addEventListener("dragenter", show);
  window.addEventListener("dragover", show);
  frame.addEventListener("load", () => {
    frame.contentWindow.addEventListener("dragenter", show);
    frame.contentWindow.addEventListener("dragover", show);
  });
  overlay.addEventListener("dragleave", (event) => {
    if (event.target === overlay) overlay.hidden = true;
  });
  window.addEventListener("drop", async (event) => {
    if (!dragging(event)) return;
    event.preventDefault();
    overlay.hidden = true;
    onFiles(await droppedFiles(event.dataTransfer));
  });
}

/** Files the OS opened with the installed app (manifest file_handlers). */
export function acceptLaunches(onFiles) {
  /** @type {FileWindow} */ (window).launchQueue?.setConsumer(async ({ files }) => {
    if (files.length) onFiles(await withFiles(files));
  });
}

/** Whether a file is data to import as a table (CSV, JSON...), not a database. */
const endsWithOneOf = (suffixes, fileName) => suffixes.some((suffix) => fileName.toLowerCase().endsWith(suffix));
export const isDataFile = (fileName) => endsWithOneOf(FORMATS.dataSuffixes, fileName);
/** A script of SQL statements (a dump): it makes its own tables, so no table name is asked. */
export const isScript = (fileName) => endsWithOneOf(FORMATS.scriptSuffixes, fileName);

/** A spreadsheet (.xlsx, .xls, .ods): each sheet can be a table, so the import asks which. */
export const isSpreadsheet = (fileName) => endsWithOneOf(FORMATS.sheetSuffixes, fileName);

// What the dialog before a script runs shows of it (library-actions.js): its first lines, each cut to a line's width.
const OPENING_LINES = 12;
const LINE_CHARACTERS = 160;

/** The first lines of a SQL script, as plain text; "…" where a line or the file goes on. */
export async function scriptOpening(file) {
  const bytes = OPENING_LINES * LINE_CHARACTERS * 4; // enough for that many lines of 4-byte characters
  const lines = (await file.slice(0, bytes).text()).replace(/\r?\n$/, "").split(/\r?\n/);
  const shown = lines.slice(0, OPENING_LINES).map((line) => (line.length > LINE_CHARACTERS ? `${line.slice(0, LINE_CHARACTERS)}…` : line));
  return shown.join("\n") + (lines.length > OPENING_LINES || file.size > bytes ? "\n…" : "");
}
