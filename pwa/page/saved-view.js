// The saved view in this window (shared/saved-views.js keeps them; the service worker points its frame at the page
// this window opens at, from the moment the HTML is parsed). It is shown once drawn, unless this window's live page,
// the welcome, or another window's Datasette came first (a window that takes the library over later may find it
// changed), and only once: its one state, here.
import * as view from "./view.js";

let mayShow = true;

/** Show the saved view once its frame has drawn it; it may have done so before this module ran. */
export function showWhenDrawn() {
  const show = () => {
    const savedAt = view.savedViewDrawn();
    if (!savedAt || !mayShow) return;
    mayShow = false;
    view.showSaved(savedAt);
  };
  view.savedFrame().addEventListener("load", show);
  show();
}

/** Something else stands in the main area now: the saved view may no longer show. */
export function withdraw() {
  mayShow = false;
}
