// Databases whose pages crash the worker: a file that makes SQLite trap inside wasm, or eat all of its memory, would
// otherwise crash every start that shows it. A crash while a page of a database was being answered counts against that
// database; an answered page of it clears its count. At two crashes in a row the next start sets it aside: the
// worker does not open it, and the library lists it as "Can't be opened" with Try again, Download and Remove.
// Kept in localStorage: the shell must read it before the worker starts, in every window of the app.
/** @import { Database } from "../shared/protocol.js" */

const KEY = "datasette-pwa-crashes";
const SET_ASIDE_AT = 2;

/** @returns {Record<string, number>} database name -> crashes in a row */
function counts() {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? "{}");
  } catch {
    return {}; // unreadable: nothing is set aside, which only costs a crash
  }
}

const save = (all) => localStorage.setItem(KEY, JSON.stringify(all));

/**
 * The database a Datasette URL belongs to, among those the library last listed; null for none (_memory, the home page).
 * @param {string} url @param {Database[]} databases
 */
function databaseOf(url, databases) {
  const path = new URL(url).pathname;
  return databases.find((db) => path === db.url || path.startsWith(`${db.url}/`) || path.startsWith(`${db.url}.`))
    ?.name ?? null;
}

/** The worker crashed while answering urls: count it against their databases. */
export function crashed(urls, databases) {
  const all = counts();
  for (const name of new Set(urls.map((url) => databaseOf(url, databases)).filter(Boolean))) all[name] = (all[name] ?? 0) + 1;
  save(all);
}

/** A page at url was answered: its database's crashes are no longer in a row. */
export function answered(url, databases) {
  const all = counts();
  if (!Object.keys(all).length) return;
  const name = databaseOf(url, databases);
  if (name && name in all) forgive(name);
}

/** Clear a database's count: the user asked to try it again, or removed it. */
export function forgive(name) {
  const all = counts();
  delete all[name];
  save(all);
}

/** The databases the next start sets aside. */
export const setAside = () => Object.entries(counts()).filter(([, n]) => n >= SET_ASIDE_AT).map(([name]) => name);
