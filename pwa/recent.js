// The pages you looked at most recently (a table, a query, a row), listed in the sidebar to go back to in one click.
// Kept in localStorage: they are only paths and titles, and losing them loses nothing.

const KEY = "datasette-pwa-recent";
const KEEP = 8;

export function recentPages() {
  try {
    return JSON.parse(localStorage.getItem(KEY)) ?? [];
  } catch {
    return [];
  }
}

/** Put a page at the top of the list (once), dropping the oldest beyond KEEP. */
export function remember(path, title) {
  const pages = [{ path, title }, ...recentPages().filter((page) => page.path !== path)].slice(0, KEEP);
  localStorage.setItem(KEY, JSON.stringify(pages));
  return pages;
}
