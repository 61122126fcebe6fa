// The worker's side of the saved views (saved-views.js): which visits keep the page Datasette drew for the next start,
// from what the response cache kept of it. None once this start wrote to _memory, or in the memory-only library.
import * as savedViews from "../shared/saved-views.js";
/** @import { RequestMessage } from "../shared/protocol.js" */
/** @import { lookup } from "./response-cache.js" */

let keepsViews = false; // whether pages visited are kept for the next start (saved-views.js): not once _memory is written
let build; // the build's id, which a view is kept with

/**
 * At boot, once the library is open: whether its pages are kept for the next start (a persistent library), and the
 * build they are drawn by.
 * @param {boolean} persistent
 * @param {string} buildId
 */
export function keepViews(persistent, buildId) {
  keepsViews = persistent;
  build = buildId;
}

/**
 * For a visit to a page that may be kept for the next start (saved-views.js), a function given what the response
 * cache kept of the answer that keeps it; else null. The records are read now, before Datasette draws the page.
 * @param {RequestMessage} request
 * @param {ReturnType<typeof lookup>} cache
 */
export function visitOf(request, cache) {
  if (!request.navigate || !cache.cacheable || !keepsViews) return null;
  const before = savedViews.recordsNow();
  return async (/** @type {ReturnType<typeof cache.keep>} */ kept) => {
    try {
      const [entry, all] = await Promise.all([kept, before]);
      const html = entry?.headers.some(([name, value]) => name === "content-type" && value.startsWith("text/html"));
      if (html && keepsViews) await savedViews.keep(request.url, entry.body, build, all, cache.files);
    } catch (error) {
      console.warn("This page was not kept for the next start:", error); // it is only ever shown while Python starts
    }
  };
}

/**
 * After each request, answered or not: one that may have written to _memory, which the next start begins empty,
 * ends the keeping (a view drawn before then shows _memory as the next start will).
 * @param {RequestMessage} request
 * @param {string} baseUrl Datasette's
 */
export function ended(request, baseUrl) {
  if (writesMemory(request, baseUrl)) keepsViews = false;
}

/** Whether request may write to _memory, which the next start begins empty: no view is kept after that. */
function writesMemory({ method, url }, baseUrl) {
  return !["GET", "HEAD"].includes(method) && new URL(url).pathname.startsWith(`${baseUrl}_memory/`);
}
