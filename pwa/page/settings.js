// The owner's settings, kept in this browser: sent to the worker at every start (Runtime.start) and when changed.
import { ask, notice } from "./library-view.js";
/** @import { Runtime } from "./runtime.js" */

const KEY = "datasette-pwa-settings";

/** The settings chosen in this browser ({sqlTimeLimitMs}); {} when none, and the worker uses its defaults (app.py). */
export function load() {
  try {
    return JSON.parse(localStorage.getItem(KEY)) ?? {};
  } catch {
    return {};
  }
}

/**
 * The Settings dialog: shows what the worker runs with; keeps and applies what the user changes.
 * @param {Runtime} runtime
 */
export async function edit(runtime) {
  const answer = await ask({
    title: "Settings",
    message: "Datasette stops a query or a write that runs longer than this. An UPDATE of a big table may need more. " +
      `Bulk work (restoring a .sql file, importing rows) may run ${runtime.settings.bulkTimeLimitMs / 60_000} minutes a ` +
      "statement; Cancel stops it sooner.",
    input: String(runtime.settings.sqlTimeLimitMs / 1000),
    inputLabel: "Time limit for SQL, in seconds",
    buttons: [{ label: "Save", value: "save" }],
  });
  if (!answer) return;
  const seconds = Number(answer.text);
  if (!(seconds > 0 && seconds <= 3600)) {
    notice(`“${answer.text}” is not a time limit: give a number of seconds from 1 to 3600. Nothing was changed.`, "error");
    return;
  }
  const changed = { sqlTimeLimitMs: Math.round(seconds * 1000) };
  localStorage.setItem(KEY, JSON.stringify({ ...load(), ...changed }));
  runtime.configure(changed);
  notice(`SQL may now run for up to ${seconds} s.`);
}
