// response-cache.js's lookup, with a stand-in for Datasette's App and for the library's files: which requests are
// kept (pagePath), when a kept page is still current (the files' change counters, changed()), what is never kept, and
// that each hit carries a nonce of its own (withNewNonce) in its header and its body alike.
import assert from "node:assert/strict";
import { test } from "node:test";
import { changed, lookup } from "../../pwa/worker/response-cache.js";

const BASE = "/ds/";
const counters = new Map([["a.db", [0, 0, 0, 1]], ["internal.db", [0, 0, 0, 9]]]);
const library = {
  mount: "/library",
  fs: {
    readdir: () => [".", "..", ...counters.keys()],
    open: (path) => path.split("/").pop(),
    read(name, buffer, offset, length) {
      buffer.set(counters.get(name).slice(0, length), offset);
      return length;
    },
    close() {},
  },
};
const storedQueries = new Set(["a/top"]);
let cookies = "{}";
const app = {
  get jar() {
    return { cookies: { toString: () => cookies, destroy() {} }, destroy() {} };
  },
  is_stored_query: async (path) => storedQueries.has(path),
};

const get = (path, accept = "text/html") => ({ type: "request", id: 1, method: "GET",
  url: `https://x.example${BASE}${path}`, headers: [["Accept", accept]], body: null, navigate: true });
const page = (text, headers = []) => ({ status: 200, headers, body: new TextEncoder().encode(text).buffer });
const text = (body) => new TextDecoder().decode(body);

/** Answer request as Datasette would with answer, then look it up again: the hit, or null. */
async function keptThenLookedUp(request, answer) {
  const first = lookup(request, BASE, app, library);
  assert.equal(first.hit, null);
  await first.keep(answer);
  return lookup(request, BASE, app, library).hit;
}

test("only GETs of the databases' pages are kept: not queries, ?_where=, Datasette's own pages, other paths", () => {
  const notKept = [
    { ...get("a"), method: "POST" }, get("a/-/query?sql=select+1"), get("a/t?_where=id>1"), get("-/settings"),
    get("a/t/-/explain"), { ...get(""), url: "https://x.example/other/a" },
  ];
  for (const request of notKept) assert.equal(lookup(request, BASE, app, library).cacheable, false, request.url);
  for (const path of ["", "a", "a/t", "a/t/1", "a/t.json?_size=5"]) {
    assert.equal(lookup(get(path), BASE, app, library).cacheable, true, path);
  }
});

test("a kept page is answered again until a file's counter, anything else, Accept or the cookies change", async () => {
  const hit = await keptThenLookedUp(get("a/t"), page("<p>rows</p>"));
  assert.equal(text(hit.body), "<p>rows</p>");
  assert.deepEqual(hit.headers, [["x-datasette-pwa-cache", "hit"]]);
  counters.set("a.db", [0, 0, 0, 2]);
  assert.equal(lookup(get("a/t"), BASE, app, library).hit, null);
  assert.notEqual(await keptThenLookedUp(get("a/t"), page("<p>rows</p>")), null);
  changed();
  assert.equal(lookup(get("a/t"), BASE, app, library).hit, null);
  assert.notEqual(await keptThenLookedUp(get("a/t"), page("<p>rows</p>")), null);
  assert.equal(lookup(get("a/t", "application/json"), BASE, app, library).hit, null);
  cookies = "{'ds_messages': 'x'}";
  assert.equal(lookup(get("a/t"), BASE, app, library).hit, null);
  cookies = "{}";
});

test("not kept: an error, an answer that sets a cookie, a stored query's page", async () => {
  assert.equal(await keptThenLookedUp(get("a/missing"), { ...page("no"), status: 404 }), null);
  assert.equal(await keptThenLookedUp(get("a/t2"), page("ok", [["Set-Cookie", "ds_messages=; Max-Age=0"]])), null);
  assert.equal(await keptThenLookedUp(get("a/top"), page("ok")), null);
  assert.notEqual(await keptThenLookedUp(get("a/t2"), page("ok")), null);
});

test("every hit has a new nonce of the old one's length, the same in its header and its scripts", async () => {
  const nonce = "abcdefghijklmnopqrstuvwx";
  const csp = [["content-security-policy", `script-src 'nonce-${nonce}'`]];
  const html = `<script nonce="${nonce}">1</script><p>${"é".repeat(3)}</p><script nonce="${nonce}">2</script>`;
  const hits = [await keptThenLookedUp(get("a/n"), page(html, csp)), lookup(get("a/n"), BASE, app, library).hit];
  const nonces = hits.map(({ headers, body }) => {
    const fresh = headers[0][1].match(/'nonce-([\w-]+)'/)[1];
    assert.equal(fresh.length, nonce.length);
    assert.equal(text(body), html.replaceAll(nonce, fresh));
    return fresh;
  });
  assert.equal(new Set([nonce, ...nonces]).size, 3);
});
