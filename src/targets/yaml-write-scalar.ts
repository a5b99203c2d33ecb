import { Document } from 'yaml';

/**
 * String scalars exactly as the `yaml` package (2.x, src/stringify/stringifyString.ts) writes them
 * under the options flowc's YAML targets pin: `lineWidth: 0` (so nothing is ever folded),
 * `singleQuote: null`, `doubleQuotedAsJSON: false`, `doubleQuotedMinMultiLineLength: 40`, block
 * scalars allowed (`blockQuote` true or 'literal': with no line width both give a literal block),
 * two-space indent, no comments on nodes. Each function below mirrors the one of the same name
 * there, minus the branches those options rule out; test/targets/yaml-write.test.ts compares the
 * two on fixtures and on generated hostile text. The fast writer (yaml-write.ts) is the only user.
 */

export type QuoteType = 'QUOTE_DOUBLE' | 'QUOTE_SINGLE';

/** Where a scalar stands: the indent of its block, and whether it is a key or inside `[...]`/`{...}`. */
export interface ScalarContext {
  indent: string;
  implicitKey: boolean;
  inFlow: boolean;
}

/** A scalar the writer does not reproduce with certainty: the caller writes the document the slow way. */
export class FallBack extends Error {}

const INDENT_STEP = '  ';
const DOUBLE_QUOTED_MIN_MULTI_LINE = 40;

/**
 * The tests a plain scalar must pass to read back as a string: every default tag of the schema
 * other than `str` whose `test` matches makes yaml quote it (`null`, `true`, `0x1f`, `1:20`,
 * `2001-01-01`, `<<`, ...). Taken from the schema itself so the two agree per version.
 */
function nonStringTest(version: '1.1' | '1.2'): RegExp {
  const schema = new Document(null, { version }).schema;
  const tags = [...schema.tags, ...((schema as unknown as { compat?: typeof schema.tags | null }).compat ?? [])];
  const out: RegExp[] = [];
  for (const tag of tags) {
    const t = tag as { default?: unknown; tag: string; test?: RegExp };
    if (t.default && t.tag !== 'tag:yaml.org,2002:str' && t.test) out.push(t.test);
  }
  // One alternation instead of a loop: the same answer when no test has flags (checked).
  if (out.some((re) => re.flags !== '')) throw new Error('yaml-write: a schema test with flags; join them differently');
  return new RegExp(out.map((re) => `(?:${re.source})`).join('|'));
}

const NON_STRING: Record<'1.1' | '1.2', RegExp> = { '1.1': nonStringTest('1.1'), '1.2': nonStringTest('1.2') };

/** True when a plain `text` would read back as something other than a string in `version`. */
export function readsAsNonString(text: string, version: '1.1' | '1.2'): boolean {
  return NON_STRING[version].test(text);
}

const containsDocumentMarker = (str: string): boolean => /^(%|---|\.\.\.)/m.test(str);

function doubleQuotedString(value: string, ctx: ScalarContext): string {
  const json = JSON.stringify(value);
  const { implicitKey } = ctx;
  const indent = ctx.indent || (containsDocumentMarker(value) ? '  ' : '');
  let str = '';
  let start = 0;
  for (let i = 0, ch = json[i]; ch; ch = json[++i]) {
    if (ch === ' ' && json[i + 1] === '\\' && json[i + 2] === 'n') {
      // space before newline needs to be escaped to not be folded
      str += `${json.slice(start, i)}\\ `;
      i += 1;
      start = i;
      ch = '\\';
    }
    if (ch === '\\')
      switch (json[i + 1]) {
        case 'u': {
          str += json.slice(start, i);
          const code = json.substr(i + 2, 4);
          switch (code) {
            case '0000':
              str += '\\0';
              break;
            case '0007':
              str += '\\a';
              break;
            case '000b':
              str += '\\v';
              break;
            case '001b':
              str += '\\e';
              break;
            case '0085':
              str += '\\N';
              break;
            case '00a0':
              str += '\\_';
              break;
            case '2028':
              str += '\\L';
              break;
            case '2029':
              str += '\\P';
              break;
            default:
              if (code.substr(0, 2) === '00') str += `\\x${code.substr(2)}`;
              else str += json.substr(i, 6);
          }
          i += 5;
          start = i + 1;
          break;
        }
        case 'n':
          if (implicitKey || json[i + 2] === '"' || json.length < DOUBLE_QUOTED_MIN_MULTI_LINE) {
            i += 1;
          } else {
            // folding will eat first newline
            str += `${json.slice(start, i)}\n\n`;
            while (json[i + 2] === '\\' && json[i + 3] === 'n' && json[i + 4] !== '"') {
              str += '\n';
              i += 2;
            }
            str += indent;
            // space after newline needs to be escaped to not be folded
            if (json[i + 2] === ' ') str += '\\';
            i += 1;
            start = i + 1;
          }
          break;
        default:
          i += 1;
      }
  }
  return start ? str + json.slice(start) : json;
}

function singleQuotedString(value: string, ctx: ScalarContext): string {
  // Neither a quote to double nor a line to indent: yaml's replacements below change nothing.
  if (!value.includes("'") && !value.includes('\n')) return `'${value}'`;
  if ((ctx.implicitKey && value.includes('\n')) || /[ \t]\n|\n[ \t]/.test(value)) return doubleQuotedString(value, ctx);
  const indent = ctx.indent || (containsDocumentMarker(value) ? '  ' : '');
  return `'${value.replace(/'/g, "''").replace(/\n+/g, `$&\n${indent}`)}'`;
}

function quotedString(value: string, ctx: ScalarContext): string {
  const hasDouble = value.includes('"');
  const hasSingle = value.includes("'");
  return hasDouble && !hasSingle ? singleQuotedString(value, ctx) : doubleQuotedString(value, ctx);
}

const blockEndNewlines = /(^|(?<!\n))\n+(?!\n|$)/g;

/** A literal block (`|`, `|-`, `|+`, `|2-`): the only block style yaml picks when lines are never folded. */
function blockString(value: string, ctx: ScalarContext): string {
  // Block can't end in whitespace unless the last line is non-empty.
  if (/\n[\t ]+$/.test(value)) return quotedString(value, ctx);
  // ctx.indent is never empty here: the writer refuses scalars at the document's root.
  const indent = ctx.indent;
  if (!value) return '|\n';
  let chomp: string;
  let endStart: number;
  for (endStart = value.length; endStart > 0; --endStart) {
    const ch = value[endStart - 1];
    if (ch !== '\n' && ch !== '\t' && ch !== ' ') break;
  }
  let end = value.substring(endStart);
  const endNlPos = end.indexOf('\n');
  if (endNlPos === -1) chomp = '-';
  else if (value === end || endNlPos !== end.length - 1) chomp = '+';
  else chomp = '';
  if (end) {
    value = value.slice(0, -end.length);
    if (end[end.length - 1] === '\n') end = end.slice(0, -1);
    end = end.replace(blockEndNewlines, `$&${indent}`);
  }
  let startWithSpace = false;
  let startEnd: number;
  let startNlPos = -1;
  for (startEnd = 0; startEnd < value.length; ++startEnd) {
    const ch = value[startEnd];
    if (ch === ' ') startWithSpace = true;
    else if (ch === '\n') startNlPos = startEnd;
    else break;
  }
  let start = value.substring(0, startNlPos < startEnd ? startNlPos + 1 : startEnd);
  if (start) {
    value = value.substring(start.length);
    start = start.replace(/\n+/g, `$&${indent}`);
  }
  const header = (startWithSpace ? '2' : '') + chomp;
  value = value.replace(/\n+/g, `$&${indent}`);
  return `|${header}\n${indent}${start}${value}${end}`;
}

const PLAIN_REFUSED = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;

function plainString(value: string, ctx: ScalarContext, version: '1.1' | '1.2'): string {
  const { implicitKey, indent, inFlow } = ctx;
  if ((implicitKey && value.includes('\n')) || (inFlow && /[[\]{},]/.test(value))) return quotedString(value, ctx);
  if (PLAIN_REFUSED.test(value)) return implicitKey || inFlow || !value.includes('\n') ? quotedString(value, ctx) : blockString(value, ctx);
  // Where allowed & type not set explicitly, yaml prefers block style for multiline strings.
  if (!implicitKey && !inFlow && value.includes('\n')) return blockString(value, ctx);
  if (containsDocumentMarker(value)) {
    if (indent === '') throw new FallBack('a document marker at the root');
    if (implicitKey && indent === INDENT_STEP) return quotedString(value, ctx);
  }
  const str = value.includes('\n') ? value.replace(/\n+/g, `$&\n${indent}`) : value;
  return readsAsNonString(str, version) ? quotedString(value, ctx) : str;
}

const FORCE_DOUBLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;

/** A string scalar as yaml's `stringifyString` writes it; `type` is the node's type (undefined: plain, yaml's default). */
export function stringScalar(value: string, type: QuoteType | undefined, ctx: ScalarContext, version: '1.1' | '1.2'): string {
  if (ctx.indent === '') throw new FallBack('a scalar at the root');
  // YAML 1.1's merge tag claims the string `<<` and writes it bare whatever the context.
  if (value === '<<' && version === '1.1') throw new FallBack('the merge key');
  // yaml forces double quotes on control characters and unpaired surrogates.
  if (type !== 'QUOTE_DOUBLE' && FORCE_DOUBLE.test(value)) type = 'QUOTE_DOUBLE';
  if (type === 'QUOTE_DOUBLE') return doubleQuotedString(value, ctx);
  if (type === 'QUOTE_SINGLE') return singleQuotedString(value, ctx);
  return plainString(value, ctx, version);
}
