// on-demand.js's loadOnDemand, with stand-ins for fetch (the build's site-packages/index.json) and Pyodide: a package
// is loaded from the wheel the index names, once however often it is asked for; one the build lacks is refused in
// words; a load that failed is tried again the next time.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadOnDemand } from "../../pwa/worker/on-demand.js";

globalThis.self = { location: { href: "https://x.example/app/worker.js" } };
const fetched = [];
globalThis.fetch = async (url) => {
  fetched.push(url);
  return Response.json({ onDemand: { openpyxl: "wheels/openpyxl-3.whl", odfpy: "wheels/odfpy-1.whl" } });
};
const loaded = [];
let failNext = false;
const pyodide = {
  async loadPackage(url) {
    if (failNext) {
      failNext = false;
      throw new Error("offline");
    }
    loaded.push(url);
  },
};

test("a package is loaded from the wheel the build's index names, once", async () => {
  await Promise.all([loadOnDemand(pyodide, "openpyxl"), loadOnDemand(pyodide, "openpyxl")]);
  await loadOnDemand(pyodide, "openpyxl");
  assert.deepEqual(fetched, ["./site-packages/index.json"]);
  assert.deepEqual(loaded, ["https://x.example/app/wheels/openpyxl-3.whl"]);
});

test("a package the build lacks is refused in words", async () => {
  await assert.rejects(loadOnDemand(pyodide, "numpy"), { message: "numpy is not part of this build of the app." });
});

test("a load that failed is tried again next time", async () => {
  failNext = true;
  await assert.rejects(loadOnDemand(pyodide, "odfpy"), /offline/);
  await loadOnDemand(pyodide, "odfpy");
  assert.deepEqual(loaded.at(-1), "https://x.example/app/wheels/odfpy-1.whl");
});
