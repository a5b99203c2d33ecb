import type { GraphModel } from './model.js';

/**
 * User text inside a double-quoted Graphviz string: backslashes first (Graphviz reads `\N`, `\G`,
 * `\l` as escapes), then quotes; line breaks become spaces, since `\n` and `\l` are the label's
 * own breaks, written only by flowc.
 */
export function dotText(text: string): string {
  return text.replace(/\r\n?|[\n\u2028\u2029]/g, ' ').replace(/[\p{Cc}]/gu, ' ').replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/** A centred multi-line label. */
function centred(lines: string[]): string {
  return `"${lines.map(dotText).join('\\n')}"`;
}

/**
 * `flowc graph --format dot`: top-down boxes, foreach steps with a double border, added
 * orderings dashed and grey, the legend as a left-aligned note in a cluster of its own (its node
 * id, `legend:`, is no step id: those have no colon).
 */
export function toDot(model: GraphModel): string {
  const out = [
    `digraph ${centred([model.name])} {`,
    '  rankdir=TB;',
    '  node [shape=box, style=rounded, fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=10];',
  ];
  for (const n of model.nodes) {
    out.push(`  ${centred([n.id])} [label=${centred([n.id, ...n.details])}${n.fanOut ? ', peripheries=2' : ''}];`);
  }
  for (const e of model.edges) {
    out.push(`  ${centred([e.from])} -> ${centred([e.to])}${e.kind === 'added' ? ' [style=dashed, color=gray40]' : ''};`);
  }
  if (model.legend.length > 0) {
    const text = [model.name, ...model.legend].map((l) => `${dotText(l)}\\l`).join('');
    out.push('  subgraph cluster_legend {', '    label="legend"; style=dashed; color=gray60;', `    "legend:" [shape=note, style="", label="${text}"];`, '  }');
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}
