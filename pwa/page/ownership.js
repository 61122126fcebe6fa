// One window at a time runs Datasette on the library: OPFS sync access handles are exclusive per file, so two
// workers cannot both open a database. The window holding this Web Lock owns the library, and the service worker
// relays every Datasette request to it (it asks the windows which one owns it: Chromium's lock client ids are not
// service worker client ids). Another window offers to take over; the owner then stops its worker and lets go, even
// while it is still starting.

import { LIBRARY_LOCK } from "../shared/protocol.js";

const channel = new BroadcastChannel(LIBRARY_LOCK);
const HAND_OVER = "hand-over";

/**
 * Run start() while this window owns the library. When another window has it, call elsewhere(takeOver); when this
 * window hands it over, call stop() first. received(message) gets what other windows send() to the owner.
 * Returns {owned: resolves true once this window owns the library and start() succeeded, false when another window
 * has it; takeOver(); holds(): whether this window holds the lock now; send(message): to the owner}.
 */
export function ownLibrary({ start, stop, elsewhere, received }) {
  let holding = false;
  const takeOver = () => {
    channel.postMessage(HAND_OVER);
    return hold({}); // waits until the owner has let go
  };

  function hold(options) {
    return new Promise((owned, failed) => {
      navigator.locks
        .request(LIBRARY_LOCK, options, async (lock) => {
          if (!lock) {
            elsewhere(takeOver);
            return owned(false);
          }
          holding = true;
          let letGo;
          const handedOver = new Promise((resolve) => (letGo = resolve));
          channel.onmessage = ({ data }) => (data === HAND_OVER ? letGo() : received(data));
          // A hand-over may come while start() is still booting: stop() then ends the boot (start() rejects).
          const started = start().then(() => ({ ok: true }), (error) => ({ error }));
          const outcome = await Promise.race([started, handedOver]);
          if (outcome?.ok) owned(true);
          else if (outcome) failed(outcome.error);
          await handedOver;
          channel.onmessage = null;
          stop();
          holding = false;
          elsewhere(takeOver);
          owned(false); // no effect if it already settled
        })
        .catch(failed);
    });
  }

  return { owned: hold({ ifAvailable: true }), takeOver, holds: () => holding, send: (message) => channel.postMessage(message) };
}
