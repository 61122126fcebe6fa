// Which app window's worker serves the library, as the service worker finds it (sw.js relays every ds/ request to it):
// the window that said so (its OWNER message), else the first one that answers yes when asked.
import { MSG } from "../shared/protocol.js";

// This service worker's global scope, as TypeScript knows it (see sw.js).
const sw = /** @type {ServiceWorkerGlobalScope & typeof globalThis} */ (self);
// Forgotten when this service worker restarts, then asked for again.
let ownerId = null;

/** The window that owns the library, as it said; null: the one noted handed the library to another since. */
export function noteOwner(id) {
  ownerId = id;
}

/** The app window whose worker serves the library, waited for (up to timeoutMs) while no window has it (one may be
 * booting); null after that. */
export async function findShell(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const known = ownerId && (await sw.clients.get(ownerId));
    if (known) return known;
    ownerId = await askWindows();
    if (!ownerId) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return null;
}

/**
 * Ask every app window whether it owns the library; the id of the one that does, as soon as it says so, or null once
 * every window has said no or let a second pass. Frames are window clients too, and a Datasette page or the saved
 * view never answers: waiting for every answer held a warm start's first page about 1 s (one start in eight).
 */
async function askWindows() {
  const windows = await sw.clients.matchAll({ type: "window", includeUncontrolled: true });
  return new Promise((resolve) => {
    let left = windows.length;
    const no = () => --left || resolve(null);
    if (!left) resolve(null);
    for (const client of windows) {
      const channel = new MessageChannel();
      let answered = false;
      const answer = (owns) => answered || ((answered = true), owns ? resolve(client.id) : no());
      channel.port1.onmessage = ({ data }) => answer(Boolean(data));
      setTimeout(() => answer(false), 1000); // a window still loading answers later, on a next round
      client.postMessage({ type: MSG.WHO_OWNS }, [channel.port2]);
    }
  });
}
