// The one definition of the messages between the service worker, the shell page and the Datasette worker.
//
// A request for <scope>ds/... travels:  service worker --REQUEST--> shell --REQUEST--> worker
// and its answer comes back:            worker --RESPONSE--> shell --RESPONSE--> service worker (on the reply port),
// followed, for an answer Datasette streams (a CSV export), by BODY chunks; the service worker ACKs each chunk it has
// passed on, and the worker keeps at most a few unacknowledged, so a slow reader never makes memory grow.
// Bodies are ArrayBuffers and are always transferred, never copied.

export const MSG = Object.freeze({
  // sw -> shell (with a reply MessagePort), shell -> worker:
  // {type, id, method, url, headers: [[name, value]...], body: ArrayBuffer | null}
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
  // shell -> worker: {type, baseUrl, settings}  (the absolute path Datasette is mounted at, e.g. "/ds/"; settings.js)
  BOOT: "boot",
  // shell -> worker: {type, settings}, when the user changed them
  SETTINGS: "settings",
  // worker -> shell: {type, stage: string, loaded?: number, total?: number}
  PROGRESS: "progress",
  // worker -> shell: {type, versions: {python, datasette, sqlite, pyodide, build}, notices: [string],
  //                  settings: {sqlTimeLimitMs}, persistent: boolean (false: the library is in memory only)}
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
  // shell -> worker: {type, id, method: one of LIBRARY, args: [...]}
  CALL: "call",
  // worker -> shell: {type, id, value}  or  {type, id, error: string}  (error is a sentence for the user)
  RESULT: "result",
  // worker -> shell while a file is copied into the library: {type, importId, name, loaded, total}
  IMPORT_PROGRESS: "import-progress",
});

// The library methods the shell may CALL in the worker (see pwa/library.js for each one's arguments).
export const LIBRARY = Object.freeze({
  LIST: "list",
  IMPORT: "import",
  IMPORT_DATA: "importData",
  DOWNLOAD: "download",
  DISCARD_DOWNLOAD: "discardDownload",
  CANCEL_IMPORT: "cancelImport",
  CREATE: "create",
  RENAME: "rename",
  REMOVE: "remove",
  HANDLE: "handle",
  CHECK_ORIGINAL: "checkOriginal",
  SAVE_TO: "saveTo",
  SNAPSHOT: "snapshot",
  CHECK: "check",
});

// The Web Lock held by the one window whose worker serves the library (ownership.js).
export const LIBRARY_LOCK = "datasette-pwa-library";

// Where Datasette's pages live, relative to the app's scope.
export const DS_PATH = "ds/";
