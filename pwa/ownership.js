// One window at a time runs Datasette on the library: OPFS sync access handles are exclusive per file, so two
// workers cannot both open a database. The window holding this Web Lock owns the library, and the service worker
// relays every Datasette request to it (it asks the windows which one owns it: Chromium's lock client ids are not
// service worker client ids). Another window offers to take over; the owner then stops its worker and lets go.

import { LIBRARY_LOCK } from "./protocol.js";

const channel = new BroadcastChannel(LIBRARY_LOCK);
const HAND_OVER = "hand-over";

/**
 * Run start() while this window owns the library. When another window has it, call elsewhere(takeOver);
 * when this window hands it over, call stop() first. Resolves once this window owns the library, or shows elsewhere.
 */
export function ownLibrary({ start, stop, elsewhere }) {
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
          let letGo;
          const handedOver = new Promise((resolve) => (letGo = resolve));
          channel.onmessage = ({ data }) => {
            if (data !== HAND_OVER) return;
            channel.onmessage = null;
            stop();
            elsewhere(takeOver);
            letGo();
          };
          try {
            await start();
            owned(true);
          } catch (error) {
            failed(error);
          }
          await handedOver;
        })
        .catch(failed);
    });
  }

  return { owned: hold({ ifAvailable: true }), takeOver };
}
