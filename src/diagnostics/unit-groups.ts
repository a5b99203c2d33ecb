import type { Diagnostic } from './diagnostic.js';

/** The units (bindings of a build, variants of a sweep) a diagnostic was reported in. */
export interface UnitOrigin {
  noun: 'binding' | 'variant';
  names: string[];
}

/** How many unit names a note lists before summarising (tsc lists 4, rustc 8). */
const MAX_NAMES = 5;

const quoted = (names: readonly string[]) => names.slice(0, MAX_NAMES).map((n) => `'${n}'`).join(', ');
const more = (names: readonly string[]) => (names.length > MAX_NAMES ? ` and ${names.length - MAX_NAMES} more` : '');

/**
 * The note `--diagnostics json` carries for a unit's diagnostic: "in binding 'a'", "in bindings
 * 'a', 'b' and 3 more". Its wording is what machine readers have parsed since builds existed.
 */
export function unitsNote(units: UnitOrigin): string {
  return `in ${units.noun}${units.names.length > 1 ? 's' : ''} ${quoted(units.names)}${more(units.names)}`;
}

/** A diagnostic's notes with its units spelled out as a note (the form JSON and single prints use). */
export function flatNotes(d: Diagnostic): string[] | undefined {
  return d.units ? [...(d.notes ?? []), unitsNote(d.units)] : d.notes;
}

/**
 * The text note of a group: the count comes first when the list is cut short, so "in 1,000
 * bindings" is read before the names.
 */
function groupNote(noun: string, names: readonly string[]): string {
  if (names.length <= MAX_NAMES) return `in ${noun}${names.length > 1 ? 's' : ''} ${quoted(names)}`;
  return `in ${thousands(names.length)} ${noun}s: ${quoted(names)}${more(names)}`;
}

/** 1000 as "1,000" (toLocaleString would load ICU's number formats: ~50 ms on its first call). */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}

/**
 * Where `name` stands as a whole word in `text` (not inside a longer name, e.g. `a` in `data` or
 * `variant-1` in `variant-12`), the text is cut: joining the parts with `name` gives `text` back
 * exactly, and joining them with another unit's name gives what that unit would have said.
 */
export function cutAtName(text: string, name: string): string[] {
  const parts: string[] = [];
  let from = 0;
  let at = text.indexOf(name);
  while (at >= 0 && name !== '') {
    const end = at + name.length;
    if (!isNameChar(text[at - 1]) && !isNameChar(text[end])) {
      parts.push(text.slice(from, at));
      from = end;
      at = text.indexOf(name, end);
    } else at = text.indexOf(name, at + 1);
  }
  parts.push(text.slice(from));
  return parts;
}

function isNameChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_-]/.test(c);
}

interface Group {
  first: Diagnostic;
  noun: UnitOrigin['noun'];
  key: string;
  /** The message and notes cut at the unit's name; one part each when nothing was cut. */
  message: string[];
  notes: string[][];
  /** Each with the index in the input where it was first seen, the order they are listed in. */
  names: { name: string; at: number }[];
  seen: Set<string>;
  /** Set when this group's one unit was found to fit another group's text (see `fitting`). */
  into?: Group;
  /** Set when such a unit joined this group: its names are then sorted once, when shown. */
  joined?: boolean;
}

/** A unit's text is tried against other groups with up to this many cuts put back (2^n keys). */
const MAX_REJOINED_CUTS = 4;
/** Keys built for those tries in one report, at most (a few ms in all); then no more are tried. */
const MAX_KEYS_TRIED = 2000;

/**
 * The diagnostics as text shows them: the same problem reported by several units is one entry
 * whose last note names the units. "The same" means equal code, severity, span (start and end)
 * and notes, and a message equal once each unit's own name is taken out, so "... to
 * variant-0000.batch.json" of binding variant-0000 and "... to variant-0001.batch.json" of
 * variant-0001 are one problem, shown as "... to <binding>.batch.json".
 *
 * Sound by construction: two entries merge only when their texts, cut where their own unit's
 * name stands, have equal parts; so the shown text with `<binding>` replaced by any listed unit's
 * name is exactly what that unit reported. An entry already naming several units (same text in
 * each, merged by unitDiagnostics) is cut nowhere and merges only with equal text. A unit whose
 * name is also a word of the text (binding 'a' in "a bug") is cut there too; it then joins a group
 * whose text, with its name put in, is exactly its own (`fitting`). Order: each group where its
 * first member stood; its units in the order they were first seen.
 */
export function groupUnitDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  const out: (Diagnostic | Group)[] = [];
  const groups = new Map<string, Group>();
  ds.forEach((d, at) => {
    if (!d.units || d.units.names.length === 0) {
      out.push(d);
      return;
    }
    const distinct = [...new Set(d.units.names)];
    const own = distinct.length === 1 ? distinct[0]! : '';
    const cut = (text: string) => (own ? cutAtName(text, own) : [text]);
    const message = cut(d.message);
    const notes = (d.notes ?? []).map(cut);
    const key = groupKey(d, message, notes);
    let g = groups.get(key);
    if (!g) {
      g = { first: d, noun: d.units.noun, key, message, notes, names: [], seen: new Set() };
      groups.set(key, g);
      out.push(g);
    }
    for (const name of distinct) {
      if (g.seen.has(name)) continue;
      g.seen.add(name);
      g.names.push({ name, at });
    }
  });
  const shapes = new Map<string, Set<string>>();
  for (const g of groups.values()) {
    const head = shapeHead(g.first);
    let set = shapes.get(head);
    if (!set) shapes.set(head, (set = new Set()));
    set.add(shapeOf([g.message, ...g.notes]));
  }
  const budget = { keys: MAX_KEYS_TRIED };
  for (const e of out) {
    if (!('first' in e) || e.names.length !== 1) continue;
    const target = fitting(e, groups, shapes, budget);
    if (!target) continue;
    e.into = target;
    groups.delete(e.key);
    const { name } = e.names[0]!;
    if (!target.seen.has(name)) {
      target.seen.add(name);
      target.names.push(e.names[0]!);
      target.joined = true;
    }
  }
  const result: Diagnostic[] = [];
  const done = new Set<Group>();
  for (const e of out) {
    if (!('first' in e)) {
      result.push(e);
      continue;
    }
    let g = e;
    while (g.into) g = g.into;
    if (done.has(g)) continue;
    done.add(g);
    if (g.joined) g.names.sort((a, b) => a.at - b.at);
    result.push(shown(g));
  }
  return result;
}

/**
 * Another group whose text is exactly this one-unit group's text with some of its cuts put back
 * (the unit's name written where the other group's units differ, and left as a word elsewhere).
 * Every key tried is one of this unit's own text, so whatever it finds fits it exactly. A key is
 * built only when some group has its shape (place, parts per text, length), and at most `budget`
 * in all: a report of 1,000 different problems each naming its unit stays cheap.
 */
function fitting(g: Group, groups: Map<string, Group>, shapes: Map<string, Set<string>>, budget: { keys: number }): Group | undefined {
  const name = g.names[0]!.name;
  const fields = [g.message, ...g.notes];
  const cuts = fields.reduce((n, parts) => n + parts.length - 1, 0);
  if (cuts === 0 || cuts > MAX_REJOINED_CUTS) return undefined;
  const length = fields.reduce((n, parts) => parts.reduce((m, p) => m + p.length, n), 0);
  const near = shapes.get(shapeHead(g.first));
  if (!near) return undefined;
  // Bit i set: cut i stays a cut. All set is g's own key; try more cuts kept first.
  for (let keep = (1 << cuts) - 2; keep >= 0; keep--) {
    let bit = 0;
    let put = 0;
    const counts = fields.map((parts) => {
      let n = 1;
      for (let i = 1; i < parts.length; i++, bit++) {
        if (keep & (1 << bit)) n++;
        else put++;
      }
      return n;
    });
    if (!near.has(`${counts.join(',')} ${length + put * name.length}`)) continue;
    if (budget.keys-- <= 0) return undefined;
    bit = 0;
    const rejoined = fields.map((parts) => {
      const next = [parts[0]!];
      for (let i = 1; i < parts.length; i++, bit++) {
        if (keep & (1 << bit)) next.push(parts[i]!);
        else next[next.length - 1] += name + parts[i]!;
      }
      return next;
    });
    const other = groups.get(groupKey(g.first, rejoined[0]!, rejoined.slice(1)));
    if (other && other !== g) return other;
  }
  return undefined;
}

/**
 * What two groups must share for one's key to equal the other's (the head: code, severity, place;
 * the shape: parts per text and their length), a cheap filter before building keys.
 */
function shapeOf(fields: string[][]): string {
  const length = fields.reduce((n, parts) => parts.reduce((m, p) => m + p.length, n), 0);
  return `${fields.map((parts) => parts.length).join(',')} ${length}`;
}

function shapeHead(d: Diagnostic): string {
  const s = d.span;
  return `${d.code} ${d.severity} ${d.units!.noun} ${s ? `${s.line} ${s.col} ${s.endLine} ${s.endCol} ${s.file}` : '-'}\n`;
}

/**
 * Equal exactly for entries that may merge. Each text part is written with its length, so no
 * choice of parts can spell another's key (JSON.stringify did the same at twice the cost).
 */
function groupKey(d: Diagnostic, message: string[], notes: string[][]): string {
  const s = d.span;
  let key = `${d.code} ${d.severity} ${d.units!.noun} ${s ? `${s.line} ${s.col} ${s.endLine} ${s.endCol} ${s.file.length}:${s.file}` : '-'}\n`;
  for (const part of message) key += `${part.length}:${part}`;
  for (const note of notes) {
    key += '\n';
    for (const part of note) key += `${part.length}:${part}`;
  }
  return key;
}

function shown(g: Group): Diagnostic {
  const { units: _, ...d } = g.first;
  const names = g.names.map((n) => n.name);
  const cut = g.message.length > 1 || g.notes.some((n) => n.length > 1);
  // One unit, or nothing was cut: the first member's own text is every member's text.
  if (names.length === 1 || !cut) return { ...d, notes: [...(d.notes ?? []), groupNote(g.noun, names)] };
  const placeholder = `<${g.noun}>`;
  return {
    ...d,
    message: g.message.join(placeholder),
    notes: [...g.notes.map((n) => n.join(placeholder)), groupNote(g.noun, names), `${placeholder} above is each ${g.noun}'s own name`],
  };
}

