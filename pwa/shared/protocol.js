// The one definition of the messages between the service worker, the shell page and the Datasette worker.
//
// A request for <scope>ds/... travels:  service worker --REQUEST--> shell --REQUEST--> worker
// and its answer comes back:            worker --RESPONSE--> shell --RESPONSE--> service worker (on the reply port),
// followed, for an answer Datasette streams (a CSV export), by BODY chunks; the service worker ACKs each chunk it has
// passed on, and the worker keeps at most a few unacknowledged, so a slow reader never makes memory grow.
// Bodies are ArrayBuffers and are always transferred, never copied.

export const MSG = Object.freeze({
  // sw -> shell (with a reply MessagePort), shell -> worker:
  // {type, id, method, url, headers: [[name, value]...], body: ArrayBuffer | null, navigate: boolean (a page visit)}
  REQUEST: "request",
  // worker -> shell, shell -> sw reply port:
  // {type, id, status, headers: [[name, value]...], body: ArrayBuffer, more: boolean}  or  {type, id, error: string}
  // or, from a shell whose worker no longer serves the library, {type, id, notOwner: true}
  RESPONSE: "response",
  // after a RESPONSE with more: {type, id, chunk: ArrayBuffer}..., then {type, id, end: true} or {type, id, error}
  BODY: "body",
  // sw reply port -> shell -> worker: {type, id}, one per BODY chunk the service worker has handed on
  ACK: "ack",
  // sw reply port -> shell -> worker: {type, id}, the reader of a streamed answer went away: stop producing it
  CANCEL: "cancel",
  // shell -> worker, every few seconds once it is ready: {type}; the worker answers PONG: {type}
  PING: "ping",
  PONG: "pong",
  // shell -> worker: {type, baseUrl, settings, setAside}  (the absolute path Datasette is mounted at, e.g. "/ds/";
  // settings.js; the names of databases whose pages crashed the worker twice in a row: crash-counts.js)
  BOOT: "boot",
  // shell -> worker: {type, settings}, when the user changed them
  SETTINGS: "settings",
  // worker -> shell: {type, stage: string, loaded?: number, total?: number}
  PROGRESS: "progress",
  // worker -> shell: {type, versions: {python, datasette, sqlite, pyodide, build}, notices: [string],
  //                  settings: {sqlTimeLimitMs, bulkTimeLimitMs}, persistent: boolean (false: the library is in memory only)}
  READY: "ready",
  // worker -> shell: {type, error: string}  (boot failed; the shell offers Restart)
  FAILED: "failed",
  // shell -> sw, when its worker starts serving the library: {type}
  OWNER: "owner",
  // sw -> shell (with a reply MessagePort), after the sw restarted or the owner changed: {type}; reply: boolean
  WHO_OWNS: "who-owns",
  // worker or sw -> shell (the sw: to every window): {type, where: "worker" | "service worker", message}, an error
  // nothing else reported, for the status bar
  FAULT: "fault",
  // sw -> every window while it installs: {type, loaded: bytes, total: bytes}
  PRECACHE_PROGRESS: "precache-progress",
  // shell -> worker: {type, id, method: a method of LibraryApi, args: [...]}
  CALL: "call",
  // worker -> shell: {type, id, value}  or  {type, id, error: string}  (error is a sentence for the user)
  RESULT: "result",
  // worker -> shell while a file is copied into the library: {type, importId, name, loaded, total}
  IMPORT_PROGRESS: "import-progress",
});

// The messages above as types, for TypeScript's checker (tsconfig.json). A message that has several forms (a RESPONSE
// is a head, an error or notOwner) is one type with the fields of every form optional, as the code reads them.

/**
 * @typedef {[name: string, value: string][]} HeaderList HTTP headers, in order.
 * @typedef {{sqlTimeLimitMs?: number, bulkTimeLimitMs?: number}} Settings What settings.js keeps (the SQL time limit);
 *   the worker has defaults for what is missing, and says how long a statement of bulk work may run (not a choice).
 * @typedef {{python: string, datasette: string, sqlite: string, sqliteNote: string | null, pyodide: string, build: string}} Versions
 *   sqliteNote: why SQLite is not APSW's (python/datasette_pwa/sqlite3_apsw), or null.
 *
 * @typedef {object} RequestMessage
 * @property {typeof MSG.REQUEST} type
 * @property {number} id
 * @property {string} method
 * @property {string} url
 * @property {HeaderList} headers
 * @property {ArrayBuffer | null} body
 * @property {boolean} navigate A page's visit (the frame navigates), not a fetch.
 *
 * @typedef {object} ResponseMessage A head {status, headers, body, more}, or {error}, or {notOwner}.
 * @property {typeof MSG.RESPONSE} type
 * @property {number} id
 * @property {number} [status]
 * @property {HeaderList} [headers]
 * @property {ArrayBuffer} [body]
 * @property {boolean} [more] BODY messages follow.
 * @property {string} [error]
 * @property {true} [notOwner]
 *
 * @typedef {object} BodyMessage One {chunk}, or the end: {end} or {error}.
 * @property {typeof MSG.BODY} type
 * @property {number} id
 * @property {ArrayBuffer} [chunk]
 * @property {true} [end]
 * @property {string} [error]
 *
 * @typedef {{type: typeof MSG.ACK, id: number}} AckMessage
 * @typedef {{type: typeof MSG.CANCEL, id: number}} CancelMessage
 * @typedef {{type: typeof MSG.PING}} PingMessage
 * @typedef {{type: typeof MSG.PONG}} PongMessage
 * @typedef {{type: typeof MSG.BOOT, baseUrl: string, settings: Settings, setAside: string[]}} BootMessage
 * @typedef {{type: typeof MSG.SETTINGS, settings: Settings}} SettingsMessage
 * @typedef {{type: typeof MSG.PROGRESS, stage: string, loaded?: number, total?: number}} ProgressMessage
 *
 * @typedef {object} ReadyMessage
 * @property {typeof MSG.READY} type
 * @property {Versions} versions
 * @property {string[]} notices
 * @property {{sqlTimeLimitMs: number, bulkTimeLimitMs: number}} settings
 * @property {boolean} persistent false: the library is in memory only.
 *
 * @typedef {{type: typeof MSG.FAILED, error: string}} FailedMessage
 * @typedef {{type: typeof MSG.OWNER}} OwnerMessage
 * @typedef {{type: typeof MSG.WHO_OWNS}} WhoOwnsMessage
 * @typedef {{type: typeof MSG.FAULT, where: "worker" | "service worker", message: string}} FaultMessage
 * @typedef {{type: typeof MSG.PRECACHE_PROGRESS, loaded: number, total: number}} PrecacheProgressMessage
 * @typedef {{type: typeof MSG.CALL, id: number, method: keyof LibraryApi, args: unknown[]}} CallMessage
 * @typedef {{type: typeof MSG.RESULT, id: number, value?: unknown, error?: string}} ResultMessage
 *
 * @typedef {object} ImportProgressMessage
 * @property {typeof MSG.IMPORT_PROGRESS} type
 * @property {number} importId
 * @property {string} name
 * @property {number} loaded
 * @property {number} total
 *
 * @typedef {RequestMessage | AckMessage | CancelMessage | PingMessage | BootMessage | SettingsMessage | CallMessage}
 *   ToWorker What the shell posts to the worker.
 * @typedef {ResponseMessage | BodyMessage | PongMessage | ProgressMessage | ReadyMessage | FailedMessage | FaultMessage
 *   | ResultMessage | ImportProgressMessage} FromWorker What the worker posts to the shell.
 * @typedef {RequestMessage | WhoOwnsMessage | FaultMessage | PrecacheProgressMessage} FromServiceWorker What the
 *   service worker posts to a window (a REQUEST and WHO_OWNS with a reply port).
 */

/**
 * What the shell sees of a database of the library (worker/library.js, Library.describe); url is its Datasette page.
 * @typedef {object} Database
 * @property {string} name
 * @property {number} size bytes
 * @property {number} changed ms since the epoch
 * @property {Source | null} source the file it was opened from
 * @property {boolean} canSaveBack whether there is a handle to save back to that file
 * @property {boolean} inPlace read-only, read straight from the user's file (library-inplace.js)
 * @property {FileSystemFileHandle | null} waiting an in-place database's file, which this browser needs the user's
 *   permission to read again (after a restart); null when it is served
 * @property {string} url its Datasette page (an absolute path); Datasette answers 404 there while it waits
 * @property {string | null} problem why it cannot be opened, in words (SQLite cannot read it, its file cannot be
 *   opened, or its pages crashed the worker twice in a row): it is listed, not served; null when it can be
 *
 * @typedef {{name: string, size: number, lastModified: number}} Source
 */

/**
 * The library's API, as the shell CALLs it (Runtime.call): the one list of its methods, each one's arguments and what it
 * resolves with. The worker's dispatch is an object of this type (worker/library-api.js), and refuses any other name.
 * An importId (a number the shell chooses) names a copy, in IMPORT_PROGRESS messages and for cancelImport.
 * @typedef {object} LibraryApi
 * @property {() => Promise<Database[]>} list
 * @property {(importId: number, file: File, handle?: FileSystemFileHandle | null) =>
 *   Promise<Database & {notice: string | null}>} import copy a database file in; notice: what the user should know
 * @property {(importId: number, file: File, database: string | null, table: string, sheet?: string | null) =>
 *   Promise<{database: string, rows: number, statements?: number, url: string, notices: string[]}>} importData a
 *   CSV or JSON file as table `table` of `database` (null: a new database), or a SQL script run in it (statements),
 *   or a spreadsheet's sheet as table `table` (sheet null: every sheet, each a table named after it)
 * @property {(importId: number, file: File) => Promise<string[]>} sheets a spreadsheet's sheets, in order
 * @property {(importId: number, url: string) => Promise<File>} download fetched into the library's store, to open
 * @property {(importId: number) => Promise<void>} discardDownload
 * @property {(importId: number) => void} cancelImport
 * @property {(requested: string) => Promise<Database>} create
 * @property {(name: string, newName: string) => Promise<Database>} rename
 * @property {(name: string) => Promise<void>} remove
 * @property {(name: string) => Promise<FileSystemFileHandle | null>} handle the original file's
 * @property {(name: string) => Promise<{changedOnDisk: boolean}>} checkOriginal
 * @property {(name: string, handle: FileSystemFileHandle) => Promise<Database>} saveTo
 * @property {(name: string) => Promise<File>} snapshot a consistent copy, to download
 * @property {(name: string) => Promise<string[]>} check SQLite's integrity check: ["ok"] or the problems
 * @property {(name: string) => Promise<Database>} retry open a database that could not be opened, again
 * @property {(file: File, handle?: FileSystemFileHandle | null) => Promise<Database>} openInPlace serve a database
 *   read-only from the user's file, without copying it (kept across restarts only with a handle)
 * @property {(name: string) => Promise<Database>} allowInPlace serve an in-place database again, once the user let
 *   the app read its file
 * @property {(importId: number, name: string) => Promise<Database & {notice: string | null}>} copyInPlace copy an
 *   in-place database into the library (as import does), where it can be written
 */

/**
 * What library method M resolves with.
 * @template {keyof LibraryApi} M
 * @typedef {Awaited<ReturnType<LibraryApi[M]>>} LibraryResult
 */

// The Web Lock held by the one window whose worker serves the library (ownership.js).
export const LIBRARY_LOCK = "datasette-pwa-library";

// Where Datasette's pages live, relative to the app's scope.
export const DS_PATH = "ds/";

/**
 * The Datasette page a shell at address shows: address itself if it is a Datasette URL (a bookmark, a reload), else
 * Datasette's home page, dsRoot.
 * @param {string} address @param {string} dsRoot
 */
export const datasettePageAt = (address, dsRoot) =>
  new URL(address).pathname.startsWith(new URL(dsRoot).pathname) ? address : dsRoot;
