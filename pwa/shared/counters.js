// The state of the library's files as one string, the same whoever reads it: the worker through Emscripten's FS
// (response-cache.js), the shell from OPFS before the worker opens the files (saved-views.js).
// A file's state is its SQLite change counter, header bytes 24-27, which SQLite adds one to at every commit in
// rollback-journal mode, the only mode the library uses (opfs-fs.js); "-" for a shorter file.
// Journals are left out: the counter changes at a commit, and a transaction a crash cut short is rolled back from its
// journal at the next start, back to what the counter still says (or, if the counter was written already, to a state
// that no longer matches); and the worker no longer lists a journal SQLite "deleted" (opfs-fs.js unlink keeps it as an
// empty file), where OPFS still has it.

/** The OPFS directory of the library's files (library.js mounts it for SQLite). */
export const LIBRARY_DIRECTORY = "library";
export const COUNTER_AT = 24;
export const COUNTER_LENGTH = 4;

/**
 * @param {[name: string, counter: Uint8Array][]} files each file's name and the bytes read at COUNTER_AT (fewer at
 *   its end)
 */
export function libraryState(files) {
  const state = ([name, bytes]) => `${name}:${bytes.length === COUNTER_LENGTH ? bytes.join(".") : "-"}`;
  return files.filter(([name]) => !name.endsWith("-journal")).map(state).sort().join(" ");
}
