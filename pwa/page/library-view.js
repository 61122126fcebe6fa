// The library in the sidebar, import progress, notices and dialogs. Names of files, databases and errors are
// untrusted: they only ever go in as text.

import { formatBytes } from "../shared/bytes.js";
/** @import { Database } from "../shared/protocol.js" */

const $ = (id) => document.getElementById(id);

/**
 * Build an element with properties and children; strings become text nodes.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Partial<HTMLElementTagNameMap[K]> & {dataset?: Record<string, string>}} [props]
 * @param {...(Node | string)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
function el(tag, { dataset = {}, ...props } = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  Object.assign(node.dataset, dataset);
  node.append(...children);
  return node;
}


function ago(time) {
  const minutes = Math.round((Date.now() - time) / 60000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h ago`;
  return new Date(time).toLocaleDateString();
}

/**
 * @typedef {object} DatabaseAction A button the sidebar offers for a database.
 * @property {string} label
 * @property {(db: Database) => string} hint its tooltip
 * @property {(db: Database) => boolean} [when] whether it is offered (always, without it)
 * @property {(db: Database) => void} run
 */

/**
 * Show the library: each database's name (open(db) shows it) and the actions offered for it, from a table of
 * {label, hint(db), when(db), run(db)} (LibraryActions.databaseActions).
 * @param {Database[]} databases
 * @param {(db: Database) => void} open
 * @param {DatabaseAction[]} actions
 */
export function showLibrary(databases, open, actions) {
  $("library-empty").hidden = databases.length > 0;
  $("library").replaceChildren(
    ...databases.map((db) => {
      const origin = db.problem ? `can't be opened: ${db.problem}`
        : db.waiting ? `in place: ${db.source.name} · waiting for your permission to read it`
        : db.inPlace ? `in place, read-only: ${db.source.name}` : db.source ? `from ${db.source.name}` : "new";
      const buttons = actions.filter(({ when }) => !when || when(db)).map(({ label, hint, run }) =>
        el("button", { type: "button", textContent: label, title: hint(db), onclick: () => run(db), ariaLabel: `${label} ${db.name}` }));
      return el(
        "li",
        { className: db.problem ? "library-item library-problem" : "library-item", dataset: { name: db.name } },
        el("button", { type: "button", className: "library-name", textContent: db.name, onclick: () => open(db) }),
        el("span", { className: "library-meta muted", textContent: `${formatBytes(db.size)} · ${origin} · changed ${ago(db.changed)}` }),
        el("span", { className: "library-actions" }, ...buttons),
      );
    }),
  );
}

/** A progress row with Cancel for a file being copied into the library; returns {update(loaded), done()}. */
export function showImport(fileName, total, onCancel) {
  const bar = el("progress", { max: total || 1, value: 0 });
  const label = el("span", { className: "muted", textContent: total ? `0 / ${formatBytes(total)}` : "" });
  const row = el(
    "div",
    { className: "import", role: "status" },
    el("span", { className: "import-name", textContent: `Opening ${fileName}` }),
    bar,
    label,
    el("button", { type: "button", textContent: "Cancel", onclick: onCancel }),
  );
  $("imports").append(row);
  return {
    /** total can arrive late (a download learns it from the response); 0 means unknown. */
    update(loaded, newTotal = total) {
      total = newTotal;
      bar.max = total || loaded || 1;
      bar.value = loaded;
      label.textContent = total ? `${formatBytes(loaded)} / ${formatBytes(total)}` : formatBytes(loaded);
    },
    done: () => row.remove(),
  };
}

// Long enough to read a sentence; errors and warnings stay until dismissed.
const INFO_SECONDS = 8;

/** A message above Datasette's page; kind "error" is announced at once. */
export function notice(text, kind = "info") {
  const item = el(
    "div",
    { className: `notice notice-${kind}`, role: kind === "error" ? "alert" : "status" },
    el("span", { textContent: text }),
    el("button", { type: "button", textContent: "×", ariaLabel: "Dismiss", onclick: () => item.remove() }),
  );
  $("notices").append(item);
  if (kind === "info") setTimeout(() => item.remove(), INFO_SECONDS * 1000);
}

/** The sidebar's line about storage (see describeStorage). */
export function showStorage(storage) {
  $("storage").textContent = describeStorage(storage);
}

/**
 * Where the library is kept (about.js storageState()): {memoryOnly} or {usage, quota, persisted}, any of them unknown.
 * @typedef {{memoryOnly?: boolean, usage?: number, quota?: number, persisted?: boolean}} StorageState
 */

/**
 * Where the library is kept, in words.
 * @param {StorageState} storage
 */
export function describeStorage({ memoryOnly, usage, quota, persisted }) {
  if (memoryOnly) return "Storage: in memory only · gone when this window closes (Download keeps a copy)";
  const kept = persisted ? "kept until you remove it" : "the browser may clear it if the disk runs low";
  const used = quota ? `${formatBytes(usage)} used of ${formatBytes(quota)}` : "in this browser";
  return `Storage: ${used} · ${kept}`;
}

/**
 * @typedef {object} Question
 * @property {string} title
 * @property {string} [message]
 * @property {string} [preformatted] text shown as it is, lines kept, in a fixed-width font (a script's first lines)
 * @property {string} [input]
 * @property {{label: string, value: string}[]} [choices]
 * @property {{label: string, value: string}[]} buttons
 * @property {string} [inputLabel]
 * @property {string} [choiceLabel]
 * @property {{label: string, choices: {label: string, value: string}[]}} [option] a second list (a workbook's sheet)
 */

/**
 * A modal question. buttons: [{label, value}] (the first is the default); input: initial text for a text field;
 * choices: [{label, value}] for a list to pick from (shown above the text field), option a second one. Resolves with
 * {value, text, choice, option}, or null when dismissed.
 * @param {Question} question
 * @returns {Promise<{value: string, text: string, choice: string | undefined, option: string | undefined} | null>}
 */
export function ask({ title, message, preformatted, input, choices, option, buttons, inputLabel = "Name", choiceLabel = "Into" }) {
  const field = input === undefined ? null : el("input", { type: "text", value: input, required: true });
  const list = (items) => el("select", {}, ...items.map((c) => el("option", { value: c.value, textContent: c.label })));
  const select = choices ? list(choices) : null;
  const second = option ? list(option.choices) : null;
  const dialog = el(
    "dialog",
    { className: "dialog" },
    el(
      "form",
      { method: "dialog" },
      el("h2", { textContent: title }),
      ...(message ? [el("p", { textContent: message })] : []),
      ...(preformatted ? [el("pre", { className: "dialog-text", textContent: preformatted })] : []),
      ...(select ? [el("label", { className: "dialog-field" }, el("span", { textContent: choiceLabel }), select)] : []),
      ...(second ? [el("label", { className: "dialog-field" }, el("span", { textContent: option.label }), second)] : []),
      ...(field ? [el("label", { className: "dialog-field" }, el("span", { textContent: inputLabel }), field)] : []),
      el(
        "div",
        { className: "dialog-buttons" },
        // The first button is what Enter in the text field chooses.
        ...buttons.map((b, i) => el("button", { value: b.value, textContent: b.label, className: i === 0 ? "primary" : "" })),
        el("button", { value: "", textContent: "Cancel", formNoValidate: true }),
      ),
    ),
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue
        ? { value: dialog.returnValue, text: field?.value ?? "", choice: select?.value, option: second?.value }
        : null);
    });
    dialog.showModal();
    field?.select();
  });
}

/**
 * A box that only informs: its text (lines kept) and one Close button. Resolves once closed.
 * @param {string} title @param {string} text
 */
export function inform(title, text) {
  const dialog = el(
    "dialog",
    { className: "dialog" },
    el("form", { method: "dialog" }, el("h2", { textContent: title }), el("p", { textContent: text }),
      el("div", { className: "dialog-buttons" }, el("button", { value: "close", textContent: "Close", className: "primary" }))),
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.remove()));
    dialog.showModal();
  });
}
