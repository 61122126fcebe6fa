// Prints every function in pwa/*/*.js and the plugin's static/*.js longer than MAX_LINES, as "file:line name (N lines)"; prints nothing when there is
// none. tests/test_code.py runs it. Functions, function expressions, arrow functions, methods, accessors and
// constructors count, each on its own (a function's length includes the functions nested in it), from its first line
// to its last, its doc comment left out.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const MAX_LINES = 60;
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FOLDERS = [..."page shared sw worker".split(" ").map((side) => join(ROOT, "pwa", side)), join(ROOT, "python", "datasette_pwa", "plugin", "static")];

/** What to call a function in the report: its own name, else the name it is assigned to, else "(anonymous)". */
function nameOf(node) {
  if (node.name) return node.name.getText();
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const parent = node.parent;
  const named = ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent);
  if (named) return parent.name.getText();
  return "(anonymous)";
}

function* longFunctions(file) {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const lineOf = (position) => source.getLineAndCharacterOfPosition(position).line + 1;
  const pending = [source];
  while (pending.length) {
    const node = pending.pop();
    if (ts.isFunctionLike(node) && node.body) {
      const first = lineOf(node.getStart(source));
      const lines = lineOf(node.getEnd()) - first + 1;
      if (lines > MAX_LINES) yield `${relative(ROOT, file)}:${first} ${nameOf(node)} (${lines} lines)`;
    }
    // A callback that returns a value would stop forEachChild: hence the braces.
    node.forEachChild((child) => {
      pending.push(child);
    });
  }
}

const files = FOLDERS.flatMap((folder) =>
  readdirSync(folder)
    .filter((name) => name.endsWith(".js"))
    .sort()
    .map((name) => join(folder, name)),
);
for (const file of files) {
  const reports = [...longFunctions(file)];
  reports.sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  for (const report of reports) console.log(report);
}
