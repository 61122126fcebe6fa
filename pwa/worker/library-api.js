// The library's API, as the shell CALLs it (protocol.js LibraryApi, the one list of its methods, with each one's
// arguments and result): the library's own methods here, and those of the files coming in (library-in.js), going out
// (library-out.js) and opened in place (library-inplace.js), put together for the worker's dispatch.
import { libraryIn } from "./library-in.js";
import { inPlaceApi } from "./library-inplace.js";
import { libraryOut } from "./library-out.js";
import * as records from "../shared/records.js";
/** @import { LibraryApi } from "../shared/protocol.js" */
/** @import { Library } from "./library.js" */

/**
 * Every method of LibraryApi, working on library (TypeScript checks that none is missing or takes other arguments).
 * @param {Library} library
 * @returns {LibraryApi}
 */
export function libraryApi(library) {
  const incoming = libraryIn(library);
  return { ...core(library), ...incoming, ...libraryOut(library), ...inPlaceApi(library, incoming) };
}

/** @param {Library} library */
function core(library) {
  return {
    list: async () => (await records.databases()).map((record) => library.describe(record)),

    /** A new, empty database, named requested (or requested-2…). */
    create: async (requested) => library.describe(await library.keep(await library.makeEmpty(requested))),

    async rename(name, newName) {
      if (newName === name) return library.describe(await library.find(name));
      library.refuseBadName(newName);
      const renamed = await records.rename(name, newName, library.servedNames());
      await library.py.rename(library.ds, name, newName);
      return library.describe(renamed);
    },

    async remove(name) {
      const record = await library.find(name);
      library.notOpened.delete(name);
      await library.py.remove(library.ds, name);
      await records.remove(name);
      if (record.inPlace) library.inPlace.forget(record);
      else await library.store.discard(record.file);
    },

    /** Try to open and serve a database that could not be opened, again: its file may have been mended meanwhile. */
    async retry(name) {
      const record = await library.find(name);
      if (!library.problemOf(name) || record.inPlace) return library.describe(record);
      library.notOpened.delete(name);
      await library.py.remove(library.ds, name); // forgets why Python set it aside
      if (await library.openRecovered(record.file, name, [])) {
        await library.serve([[name, library.pathOf(record.file)]]);
      }
      return library.describe(record);
    },

    /**
     * SQLite's full integrity check: ["ok"] or the problems it found. One SQLite cannot read is checked from its file;
     * one never opened (its pages crashed the worker, or its file could not be opened) gets the reason.
     */
    async check(name) {
      const record = await library.find(name);
      const problem = library.problemOf(name);
      if (problem && (library.notOpened.has(name) || record.inPlace)) return [problem];
      const result = problem ? library.py.check_file(library.pathOf(record.file)) : await library.py.integrity(library.ds, name);
      try {
        return result.toJs();
      } finally {
        result.destroy();
      }
    },
  };
}
