// The pages you looked at most recently (a database, a table, a query, a row), listed in the sidebar to go back to in
// one click; not the app's own tool pages (publish, diagram, history, compare, indexes...), which are not where the
// data is. Kept in localStorage: they are only paths and titles, and losing them loses nothing.

const KEY = "datasette-pwa-recent";
const KEEP = 8;

export function recentPages() {
  try {
    return JSON.parse(localStorage.getItem(KEY)) ?? [];
  } catch {
    return [];
  }
}

// Datasette's and the plugins' own pages live under /-/ (a database's /-/publish, /-/diagram, ...); of those, only a
// query's page (/-/query?sql=) shows data.
const TOOL_PAGE = /\/-\/(?!query\b)/;

/** Put a page at the top of the list (once), dropping the oldest beyond KEEP; a tool page is not kept. */
export function remember(path, title) {
  if (TOOL_PAGE.test(new URL(path, "http://x").pathname)) return recentPages();
  const pages = [{ path, title }, ...recentPages().filter((page) => page.path !== path)].slice(0, KEEP);
  localStorage.setItem(KEY, JSON.stringify(pages));
  return pages;
}
