// Every way a file (a database, or CSV/JSON data) reaches the app: the Open button (file picker, or <input type=file> where there is none),
// drag and drop anywhere on the window (Datasette's frame included), and the OS's "open with" (launchQueue).
// Each hands over a list of {file, handle}; handle is a FileSystemFileHandle when the browser gives one
// (needed for saving back), else null.

const FILE_TYPES = [
  {
    description: "SQLite databases",
    accept: { "application/vnd.sqlite3": [".db", ".sqlite", ".sqlite3", ".db3"] },
  },
  {
    description: "CSV and JSON data",
    accept: { "text/csv": [".csv", ".tsv", ".tab"], "application/json": [".json", ".ndjson", ".jsonl"] },
  },
];

const CHANGE_AFTER_CANCEL_MS = 500;

const withFiles = (handles) => Promise.all(handles.map(async (handle) => ({ file: await handle.getFile(), handle })));

/** Ask the user for files: the File System Access picker keeps handles; the input is the fallback. */
export async function pickFiles(input) {
  if (window.showOpenFilePicker) {
    try {
      return await withFiles(await window.showOpenFilePicker({ multiple: true, types: FILE_TYPES }));
    } catch (error) {
      if (error.name === "AbortError") return [];
      throw error;
    }
  }
  return new Promise((resolve) => {
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
  window.launchQueue?.setConsumer(async ({ files }) => {
    if (files.length) onFiles(await withFiles(files));
  });
}
