// Packages loaded only when a file or a download needs them (python/datasette_pwa/formats.py ON_DEMAND), never on
// the start path: build.py ships their wheels apart, in dist/wheels/ (site-packages/index.json's onDemand), and
// Pyodide's own loadPackage loads one the first time Python asks (python/datasette_pwa/on_demand.py).
/** @import { PyodideAPI } from "pyodide" */

const loading = new Map(); // package -> its load, once asked for

/**
 * Load package's wheel, once; a load that failed is tried again next time.
 * @param {PyodideAPI} pyodide @param {string} name
 */
export function loadOnDemand(pyodide, name) {
  if (!loading.has(name)) {
    loading.set(name, load(pyodide, name).catch((error) => {
      loading.delete(name);
      throw error;
    }));
  }
  return loading.get(name);
}

async function load(pyodide, name) {
  const { onDemand } = await (await fetch("./site-packages/index.json")).json();
  if (!onDemand?.[name]) throw new Error(`${name} is not part of this build of the app.`);
  await pyodide.loadPackage(new URL(onDemand[name], self.location.href).href, { messageCallback: () => {} });
}
