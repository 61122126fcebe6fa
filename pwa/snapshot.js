// A memory snapshot of the interpreter with Datasette's dependencies imported (not Datasette: see SNAPSHOT_IMPORTS
// in worker.js), made in the user's own browser on the first run and kept in Cache Storage per build: restoring it
// skips Python's start-up and those imports. It is tied to the exact Pyodide and wheels of one build, so the key is
// the build id; any failure falls back to a normal boot.

const CACHE = "datasette-pwa-snapshots";

const key = (buildId) => new URL(`./snapshot/${buildId}`, import.meta.url).href;

/** The snapshot saved for this build as a promise of its bytes (so reading overlaps other work), or null. */
export async function readSnapshot(buildId) {
  const response = await (await caches.open(CACHE)).match(key(buildId));
  return response ? response.arrayBuffer().then((buffer) => new Uint8Array(buffer)) : null;
}

/** Keep this build's snapshot, and only this build's. */
export async function saveSnapshot(buildId, bytes) {
  const cache = await caches.open(CACHE);
  for (const request of await cache.keys()) await cache.delete(request);
  await cache.put(key(buildId), new Response(bytes));
}

export async function dropSnapshot() {
  await caches.delete(CACHE);
}
