// RFC 4180 CSV cells for spreadsheet users. A cell starting with = + - @, a tab or a carriage return may run
// as a formula (CSV injection), so it gets a leading apostrophe, as OWASP recommends. Everything else is
// written as it is: the JSONL formats are the byte-exact copy.

const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

// Quote what RFC 4180 requires (comma, quote, line breaks), plus leading or trailing white space,
// which some readers trim from unquoted fields.
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

export type TCsvValue = string | number | boolean | null;

/** One cell: null is an empty field, "" a quoted empty string, so readers can tell them apart. */
export function csvCell(value: TCsvValue): string {
  if (value === null) return "";
  if (typeof value !== "string") return String(value);
  const text = neutraliseCell(value);
  return text === "" || NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: readonly TCsvValue[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}
