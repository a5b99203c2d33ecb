import type { GraphModel } from './model.js';

/**
 * User text inside a quoted mermaid label, as entity codes: a quote would end the label, `<` and
 * `&` would be read as HTML, `#` starts an entity, and brackets, braces, pipes and backticks
 * change the node's shape or switch to markdown. Line breaks become spaces: a label's own breaks
 * are `<br/>`, which only flowc writes.
 */
export function mermaidText(text: string): string {
  return text.replace(/\r\n?|[\n\u2028\u2029]/g, ' ').replace(/[\p{Cc}]/gu, ' ').replace(/["#&<>[\]{}|`\\;]/g, (c) => `#${c.codePointAt(0)};`);
}

function label(lines: string[]): string {
  return `"${lines.map(mermaidText).join('<br/>')}"`;
}

/**
 * `flowc graph --format mermaid`: a flowchart (top-down). Nodes get generated ids (`s0`, `s1`,
 * ...) so no step id ever meets mermaid's keywords (`end`, `graph`); foreach steps are drawn as
 * subroutines, added orderings as dotted arrows, the legend as a note in its own subgraph.
 */
export function toMermaid(model: GraphModel): string {
  const ids = new Map(model.nodes.map((n, i) => [n.id, `s${i}`]));
  // The comment follows the diagram type: older mermaid versions detect the type on the first line.
  const out = ['flowchart TD', `%% flowc graph: ${mermaidText(model.name)}`];
  for (const n of model.nodes) {
    const text = label([n.id, ...n.details]);
    out.push(`  ${ids.get(n.id)}${n.fanOut ? `[[${text}]]` : `[${text}]`}`);
  }
  for (const e of model.edges) out.push(`  ${ids.get(e.from)} ${e.kind === 'added' ? '-.->' : '-->'} ${ids.get(e.to)}`);
  if (model.legend.length > 0) {
    out.push(`  subgraph legend[${label(['legend'])}]`, `    legend_text[${label([model.name, ...model.legend])}]`, '  end');
  }
  return `${out.join('\n')}\n`;
}
