// The library's records in IndexedDB: one per database, keyed by its Datasette name. IndexedDB, because it is the
// only storage that keeps a FileSystemFileHandle (for saving back to the original file after a restart).
//
// A record: {name, file (its OPFS file name), size, changed (ms), source: {name, size, lastModified} | null,
//            handle: FileSystemFileHandle | null, pending?: true}
// A pending record reserves its name (and file) for a copy still under way; it is not a database yet, and a start
// removes it with its file. Every change that reads before it writes is one transaction, so that two copies, or a
// copy and a rename, never take the same name.

const DB_NAME = "datasette-pwa";
const STORE = "databases";

let opened;
let memory = null; // the records, by name, when the library lives in memory only (store-memory.js)

/** Keep the records in memory from now on: their files do not outlive the worker either. */
export function keepInMemory() {
  memory = new Map();
}

function database() {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "name" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opened;
}

/**
 * Run work(store, records) in one transaction, records being every record as it stands in it; resolves with what work
 * returned once the transaction has committed. A throw in work aborts the transaction, and rejects with that error.
 */
async function transact(mode, work) {
  if (memory) return transactInMemory(work);
  const transaction = (await database()).transaction(STORE, mode, { durability: "strict" });
  const store = transaction.objectStore(STORE);
  let result;
  let failure;
  store.getAll().onsuccess = ({ target }) => {
    try {
      result = work(store, target.result);
    } catch (error) {
      failure = error;
      transaction.abort();
    }
  };
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve(result);
    transaction.onabort = () => reject(failure ?? transaction.error);
  });
}

/** The same, on the records in memory: changes apply only if work completes. */
function transactInMemory(work) {
  const changes = [];
  const store = { put: (record) => changes.push(() => memory.set(record.name, record)), delete: (name) => changes.push(() => memory.delete(name)) };
  const result = work(store, [...memory.values()]);
  changes.forEach((change) => change());
  return result;
}

/** Every record, pending ones included. */
export const all = () => transact("readonly", (store, records) => records);

/** The databases: every record but the pending ones. */
export const databases = async () => (await all()).filter((record) => !record.pending);

/**
 * Reserve a name for record: wanted, else wanted-2, wanted-3…, free among the records and `taken` (names Datasette
 * serves itself). The record is stored pending; resolves with it, named.
 */
export const reserve = (wanted, taken, record) =>
  transact("readwrite", (store, records) => {
    const used = new Set([...taken, ...records.map((r) => r.name)]);
    let name = wanted;
    for (let i = 2; used.has(name); i++) name = `${wanted}-${i}`;
    const reserved = { ...record, name, pending: true };
    store.put(reserved);
    return reserved;
  });

/** Store a record as it is (a reserved one, complete now, without pending). */
export const put = (record) => transact("readwrite", (store) => store.put(record));

export const remove = (name) => transact("readwrite", (store) => store.delete(name));

/** Change the record called name: change(record) returns the fields to replace. Resolves with the new record. */
export const update = (name, change) =>
  transact("readwrite", (store, records) => {
    const record = records.find((r) => r.name === name);
    if (!record) throw new Error(`There is no database called “${name}” in the library.`);
    const updated = { ...record, ...change(record) };
    store.put(updated);
    return updated;
  });

/** Note new sizes ({file: bytes}) of the databases written, and when, in one transaction. */
export const written = (sizes, time) =>
  transact("readwrite", (store, records) => {
    for (const record of records) if (record.file in sizes) store.put({ ...record, size: sizes[record.file], changed: time });
  });

/** Rename a database, refusing a name in use; one transaction, so a crash never leaves both names or neither. */
export const rename = (name, newName, taken) =>
  transact("readwrite", (store, records) => {
    const record = records.find((r) => r.name === name);
    if (!record) throw new Error(`There is no database called “${name}” in the library.`);
    if (taken.includes(newName) || records.some((r) => r.name === newName)) {
      throw new Error(`There is already a database called “${newName}”.`);
    }
    store.delete(name);
    store.put({ ...record, name: newName });
    return { ...record, name: newName };
  });
