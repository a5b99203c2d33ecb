import { ParseError } from 'toml-eslint-parser';

/** The most syntax errors reported for one TOML file; each costs one more parse of the file. */
export const MAX_TOML_SYNTAX_ERRORS = 20;

export interface TomlSyntaxError {
  /** Offset of the cause in the file's text. */
  index: number;
  /** Offset just past the cause, when it is a token wider than one character. */
  end?: number;
  message: string;
  /** True for the parser's "key defined twice". */
  duplicate: boolean;
  notes?: string[];
}

const DUPLICATE_KEY_MESSAGE = 'Defining a key multiple times is invalid';

/**
 * Every syntax error of a TOML file, not only the first: toml-eslint-parser stops at the first, so
 * the line holding it is blanked (same length, so later offsets stay the file's own) and the text
 * parsed again, up to MAX_TOML_SYNTAX_ERRORS times, as long as each error lies past the last one. A duplicate key found after a table header was
 * blanked is dropped: the keys under that header now land in the table above and can collide there
 * only because of the blanking. `parse` throws ParseError for bad text (the caller's pinned parser).
 *
 * Each error points at its cause in the author's terms: a bare word where a value goes
 * (`memory = 32Gi`) is "a string needs quotes" on the whole word; an error the parser places at the
 * start of the next line (`x =` with nothing after it, `[table` unclosed) moves to the end of the
 * line that caused it.
 */
export function tomlSyntaxErrors(text: string, parse: (text: string) => void): TomlSyntaxError[] {
  const errors: TomlSyntaxError[] = [];
  let lastBlanked = -1;
  let headerBlanked = false;
  let current = text;
  while (errors.length < MAX_TOML_SYNTAX_ERRORS) {
    let failure: ParseError;
    try {
      parse(current);
      break;
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      failure = e;
    }
    const duplicate = failure.message === DUPLICATE_KEY_MESSAGE;
    const raw = Math.min(Math.max(failure.index, 0), current.length);
    const index = duplicate ? raw : causeIndex(current, raw);
    const lineStart = current.lastIndexOf('\n', index - 1) + 1;
    // An error that does not move past the line just blanked is an echo of the blanking (an open
    // bracket or string that the blanked line closed): stop rather than report it.
    if (lineStart <= lastBlanked) break;
    if (!(duplicate && headerBlanked)) {
      const found = explain(text, index, failure.message);
      // One character wide unless a token was found: a line break or the end has no width.
      const end = found.end ?? (found.index < text.length && text[found.index] !== '\n' && text[found.index] !== '\r' ? found.index + 1 : found.index);
      errors.push({ ...found, end, duplicate });
    }
    if (index >= current.length) break;
    lastBlanked = lineStart;
    const lineEnd = current.indexOf('\n', lineStart);
    const stop = lineEnd === -1 ? current.length : lineEnd;
    if (/^\s*\[/.test(current.slice(lineStart, stop))) headerBlanked = true;
    current = current.slice(0, lineStart) + current.slice(lineStart, stop).replace(/[^\r]/g, ' ') + current.slice(stop);
  }
  return errors;
}

/** An error placed at a line's first character by a problem at the end of the line before. */
function causeIndex(text: string, index: number): number {
  if (index === 0 || text[index - 1] !== '\n') return index;
  let i = index - 1;
  if (text[i - 1] === '\r') i--;
  // Back over trailing blanks to the last character written on that line.
  while (i > 0 && (text[i - 1] === ' ' || text[i - 1] === '\t')) i--;
  return i > 0 && text[i - 1] !== '\n' ? i - 1 : i;
}

const BARE = /[A-Za-z0-9_.:+\-/@]/;

/** What a TOML literal can look like as one bare token: numbers, booleans, dates and times. */
const LITERAL =
  /^(?:[+-]?(?:\d(?:_?\d)*)(?:\.\d(?:_?\d)*)?(?:[eE][+-]?\d(?:_?\d)*)?|0x[0-9a-fA-F](?:_?[0-9a-fA-F])*|0o[0-7](?:_?[0-7])*|0b[01](?:_?[01])*|[+-]?(?:inf|nan)|true|false|\d{4}-\d{2}-\d{2}(?:[Tt ]?\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})?)?|\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/;

function explain(text: string, index: number, message: string): Omit<TomlSyntaxError, 'duplicate'> {
  if (message === DUPLICATE_KEY_MESSAGE) return { index, message };
  let start = index;
  let end = index;
  while (start > 0 && BARE.test(text[start - 1] as string)) start--;
  while (end < text.length && BARE.test(text[end] as string)) end++;
  const token = text.slice(start, end);
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const before = text.slice(lineStart, start);
  // A bare word where a value goes: after `=`, `[` or `,` (an array item) on its line.
  if (token !== '' && !LITERAL.test(token) && /(?:=|\[|,)\s*$/.test(before) && !/^\s*\[/.test(before)) {
    const key = /^\s*([^=]+?)\s*=\s*$/.exec(before)?.[1];
    return {
      index: start,
      end,
      message: `${token} is not a TOML value: a string needs quotes`,
      notes: [key ? `write ${key} = ${JSON.stringify(token)}` : `write ${JSON.stringify(token)}`],
    };
  }
  if (/=\s*$/.test(text.slice(lineStart, index + 1))) {
    return { index, message: 'this key has no value after =', notes: ['TOML needs the value on the same line as its key, e.g. key = ""'] };
  }
  const lineEnd = text.indexOf('\n', index);
  const line = text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  if (/^\s*\[[^\]]*$/.test(line)) {
    // Where the ] belongs: just past the header's last character.
    return { index: lineStart + line.replace(/\s+$/, '').length, message: 'this table header has no closing ]' };
  }
  return { index, message: PLAIN_WORDS[message] ?? message };
}

/** The parser's messages that read as jargon, in the terms of the file the author wrote. */
const PLAIN_WORDS: Record<string, string> = {
  'Must be a newline': 'expected the end of the line after this value (one key = value per line)',
};
