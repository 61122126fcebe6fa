// Drives one Firefox ESR (Debian's, over WebDriver BiDi) for the tests and benchmarks: benchmarks/testkit/firefox.py
// writes one JSON command per line on stdin, {id, op, ...}, and reads one JSON answer per line on stdout, {id, value}
// or {id, error}.
// puppeteer-core never downloads a browser; it runs /usr/bin/firefox-esr.
import { createInterface } from "node:readline";
import puppeteer from "puppeteer-core";

let browser;
let page;

const ops = {
  /** Start Firefox on a profile directory (kept: a relaunch on it is a returning start). */
  async launch({ executablePath, userDataDir, prefs, env, width, height }) {
    browser = await puppeteer.launch({
      browser: "firefox",
      executablePath,
      headless: true,
      userDataDir,
      extraPrefsFirefox: prefs,
      env: { ...process.env, ...env },
      defaultViewport: { width, height },
    });
    page = (await browser.pages())[0] ?? (await browser.newPage());
    return { pid: browser.process().pid };
  },
  async goto({ url }) {
    await page.goto(url, { waitUntil: "load" });
  },
  /** source is a JS expression; BiDi awaits the promise it may give, and returns JSON-like values. */
  async evaluate({ source }) {
    return await page.evaluate(source);
  },
  async click({ selector }) {
    await page.click(selector);
  },
  /**
   * Set files on an <input type=file> (BiDi input.setFiles: fires input and change, as a user's pick does). With
   * click, click that first, in the same step: the app takes a `cancel` with no `change` soon after as final.
   */
  async setFiles({ selector, paths, click }) {
    const input = await page.$(selector);
    if (!input) throw new Error(`no element matches ${selector}`);
    if (click) await page.click(click);
    await input.uploadFile(...paths);
  },
  async screenshot({ path, width, height }) {
    const before = page.viewport();
    await page.setViewport({ width, height });
    await page.screenshot({ path });
    await page.setViewport(before);
  },
  async close() {
    await browser?.close();
    browser = undefined;
  },
};

const reply = (message) => process.stdout.write(JSON.stringify(message) + "\n");

// One command at a time, in order: the Python side waits for each answer.
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const { id, op, ...args } = JSON.parse(line);
  try {
    reply({ id, value: (await ops[op](args)) ?? null });
  } catch (error) {
    reply({ id, error: String(error?.stack ?? error) });
  }
}
await browser?.close().catch(() => {});
