// The library's records in IndexedDB: one per database, keyed by its Datasette name. IndexedDB, because it is the
// only storage that keeps a FileSystemFileHandle (for saving back to the original file after a restart).
//
// A record: {name, file (its OPFS file name), size, changed (ms), source: {name, size, lastModified} | null,
//            handle: FileSystemFileHandle | null}

const DB_NAME = "datasette-pwa";
const STORE = "databases";

let opened;

function database() {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "name" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opened;
}

/** Run one request against the store in its own transaction, resolving when the transaction has committed. */
async function transact(mode, operation) {
  const transaction = (await database()).transaction(STORE, mode, { durability: "strict" });
  const request = operation(transaction.objectStore(STORE));
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve(request.result);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}

export const all = () => transact("readonly", (store) => store.getAll());
export const put = (record) => transact("readwrite", (store) => store.put(record));
export const remove = (name) => transact("readwrite", (store) => store.delete(name));
/** Rename in one transaction, so a crash never leaves both names or neither. */
export const replace = (oldName, record) =>
  transact("readwrite", (store) => {
    store.delete(oldName);
    return store.put(record);
  });
