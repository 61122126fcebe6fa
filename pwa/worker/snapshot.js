// What a start needs, kept from the first start of a build so later ones skip work: a memory snapshot of the
// interpreter with Datasette warmed up (see python-start.js), and site-packages unzipped. Made in the user's own
// browser, named by the build id (both are tied to the exact Pyodide and packages of one build); any failure falls
// back to a normal boot. In OPFS, read through sync access handles (worker only): 55 MB in about 30 ms, where Cache
// Storage took 250 ms; in Cache Storage where the browser gives no usable OPFS (WebKitGTK, private windows).

const DIRECTORY = "snapshots";
const CACHE = "datasette-pwa-snapshots";
const PARTS = ["memory", "site-packages"];

/** @typedef {FileSystemFileHandle & {move(newName: string): Promise<void>}} MovableHandle (TS's lib lacks move()) */

const opfs = {
  directory: async () => (await navigator.storage.getDirectory()).getDirectoryHandle(DIRECTORY, { create: true }),

  async read(name) {
    const access = await (await (await opfs.directory()).getFileHandle(name)).createSyncAccessHandle();
    try {
      const bytes = new Uint8Array(access.getSize());
      if (access.read(bytes, { at: 0 }) !== bytes.length) throw new Error("short read");
      return bytes;
    } finally {
      access.close();
    }
  },

  /** Write all parts under temporary names, then rename them: a crash leaves no torn snapshot. */
  async write(parts) {
    const folder = await opfs.directory();
    /** @type {[MovableHandle, string][]} */
    const files = [];
    for (const [name, bytes] of Object.entries(parts)) {
      const file = /** @type {MovableHandle} */ (await folder.getFileHandle(`${name}.partial`, { create: true }));
      const access = await file.createSyncAccessHandle();
      try {
        if (access.write(bytes, { at: 0 }) !== bytes.length) throw new Error("The disk is full.");
        access.flush();
      } finally {
        access.close();
      }
      files.push([file, name]);
    }
    for (const [file, name] of files) await file.move(name);
  },

  clear: async () => (await navigator.storage.getDirectory()).removeEntry(DIRECTORY, { recursive: true }),
};

const cache = {
  url: (name) => new URL(`./snapshot/${name}`, location.href).href,

  async read(name) {
    const response = await (await caches.open(CACHE)).match(cache.url(name));
    if (!response) throw new Error(`no ${name}`);
    return new Uint8Array(await response.arrayBuffer());
  },

  async write(parts) {
    const store = await caches.open(CACHE);
    for (const [name, bytes] of Object.entries(parts)) await store.put(cache.url(name), new Response(bytes));
  },

  clear: () => caches.delete(CACHE),
};

/** The first of OPFS and Cache Storage that works here. */
let backend = null;
async function chosen() {
  backend ??= (await opfs.directory().then(() => opfs, () => cache));
  return backend;
}

/** This build's snapshot as {memory, "site-packages"} bytes, or null. */
export async function readSnapshot(buildId) {
  try {
    const store = await chosen();
    const parts = {};
    for (const part of PARTS) parts[part] = await store.read(`${buildId}.${part}`);
    return parts;
  } catch {
    return null;
  }
}

/** Keep this build's snapshot, and only this build's. */
export async function saveSnapshot(buildId, parts) {
  await dropSnapshot();
  await (await chosen()).write(Object.fromEntries(PARTS.map((part) => [`${buildId}.${part}`, parts[part]])));
}

export async function dropSnapshot() {
  await (await chosen()).clear().catch(() => {});
}
