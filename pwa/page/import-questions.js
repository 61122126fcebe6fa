// The import dialogs (library-view.js ask()): into which database a data file, a SQL script or a spreadsheet goes, and
// as which table (or, of a workbook, which sheet); a script's shows its size and first lines.
import { formatBytes } from "../shared/bytes.js";
import { scriptOpening } from "./opening.js";
/** @import { Database } from "../shared/protocol.js" */
/** @import { Question } from "./library-view.js" */

/**
 * The dialog of a data file or a SQL script; databases() resolves with the library, to choose from.
 * @param {File} file @param {string} stem @param {boolean} script @param {() => Promise<Database[]>} databases
 * @returns {Promise<Question>}
 */
export async function importQuestion(file, stem, script, databases) {
  const choices = [{ label: `A new database “${stem}”`, value: "" }, ...(await databases()).map((d) => ({ label: d.name, value: d.name }))];
  if (script) {
    return { title: `Run ${file.name}`, choices, choiceLabel: "The database it changes", buttons: [{ label: "Run", value: "import" }],
      message: `A SQL script (${formatBytes(file.size)}). Its statements run in one transaction in the database below: all ` +
        "of them, or none if one fails. It begins:", preformatted: await scriptOpening(file) };
  }
  return { title: `Import ${file.name}`, message: "Its rows become a table. Types (numbers, text) are detected.", input: stem,
    inputLabel: "Table name", choices, choiceLabel: "Into database", buttons: [{ label: "Import", value: "import" }] };
}

/**
 * The dialog of a spreadsheet: into which database, and which sheet (if it has several) under what name.
 * @param {File} file @param {string} stem @param {string[]} sheets @param {() => Promise<Database[]>} databases
 * @returns {Promise<Question>}
 */
export async function sheetsQuestion(file, stem, sheets, databases) {
  const question = await importQuestion(file, stem, false, databases);
  const several = sheets.length > 1;
  return { ...question, input: sheets[0], inputLabel: several ? "Table name (one sheet)" : "Table name",
    message: `${several ? "Each sheet becomes a table named after it, or pick one sheet and name its table. " : ""}` +
      "Its first row is the header; types (numbers, text, dates) are detected.",
    option: several ? { label: "Sheets", choices: [{ label: "Every sheet, each a table", value: "" },
      ...sheets.map((name) => ({ label: name, value: name }))] } : undefined };
}
