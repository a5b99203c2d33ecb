
import { describe, expect, it } from 'vitest';
import { addedEdges } from '../../src/graph/added-edges.js';
import { toDot } from '../../src/graph/dot.js';
import { toMermaid } from '../../src/graph/mermaid.js';
import { buildGraph } from '../../src/graph/model.js';
import { toSvg } from '../../src/graph/svg.js';
import type { IR } from '../../src/ir/types.js';
import { fixtureIR as compileFixtureIR } from '../helpers/fixtures.js';
import { parseXml } from './xml.js';

/** Text a user may write in a description: each piece ends a label, a node or a line in some format. */
const HOSTILE = 'end"] ; s0 --> s1 <b>x</b> & #quot; [y] {z} |p| `c` \\N \\" \\l %% \'q\'\nline two\r\n-->';
/** What a label shows of it: line breaks are spaces, everything else as written. */
const SHOWN = HOSTILE.replace(/\r\n|\n/g, ' ');

function hostileIR(): IR {
  const ir = compileFixtureIR('ml-training');
  return {
    ...ir,
    flow: { ...ir.flow, description: HOSTILE },
    parameters: ir.parameters.map((p, i) => (i === 0 ? { ...p, description: HOSTILE, default: HOSTILE, type: 'string' as const } : p)),
  };
}

function decodeMermaid(label: string): string[] {
  return label.split('<br/>').map((l) => l.replace(/#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n))));
}

describe('escaping user text', () => {
  it('mermaid: every line is a node, an edge or the legend frame, and the labels decode to the text', () => {
    const text = toMermaid(buildGraph(hostileIR(), null));
    const lines = text.trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual(['flowchart TD', '%% flowc graph: content-model']);
    const label = '"((?:[^"\\n<>\\[\\]{}|`#&;\\\\]|#\\d+;|<br/>)*)"';
    const allowed = [new RegExp(`^  s\\d+(?:\\[${label}\\]|\\[\\[${label}\\]\\])$`), /^ {2}s\d+ (?:-->|-\.->) s\d+$/, new RegExp(`^  subgraph legend\\[${label}\\]$`), new RegExp(`^    legend_text\\[${label}\\]$`), /^ {2}end$/];
    for (const line of lines.slice(2)) expect(allowed.some((r) => r.test(line)), line).toBe(true);
    const legend = /legend_text\["(.*)"\]$/m.exec(text)?.[1] as string;
    const shown = decodeMermaid(legend);
    expect(shown).toContain(SHOWN);
    expect(shown).toContain(`param alpha: string = ${JSON.stringify(HOSTILE)} (${SHOWN})`.replace(/\r\n|\n/g, ' '));
  });

  it('dot: Graphviz reads exactly the nodes flowc wrote, and shows the text as written', async () => {
    const ir = hostileIR();
    const model = buildGraph(ir, null);
    const dot = toDot(model);
    // Every user string sits inside one quoted string: no raw newline, and no unescaped quote.
    for (const line of dot.split('\n')) expect(line).not.toMatch(/[\r]/);
    const svg = await toSvg(model);
    const { texts } = parseXml(svg);
    expect(texts).toContain(SHOWN);
    expect(texts).toContain(`param alpha: string = ${JSON.stringify(HOSTILE)} (${SHOWN})`.replace(/\r\n|\n/g, ' '));
    const nodes = [...svg.matchAll(/<g id="node\d+" class="node">/g)].length;
    expect(nodes).toBe(ir.steps.length + 1);
    expect([...svg.matchAll(/<g id="edge\d+" class="edge">/g)].length).toBe(ir.edges.length);
  });
});

describe('the graph model', () => {
  it('labels a dynamic foreach with the output it iterates over', () => {
    const ir = compileFixtureIR('ml-training');
    const steps = ir.steps.map((s) => (s.id === 'fetch' ? { ...s, foreach: { items: [], from: { step: 'start', output: 'regions' }, parallelism: null } } : s));
    const model = buildGraph({ ...ir, steps }, null);
    expect(model.nodes.find((n) => n.id === 'fetch')?.details).toEqual(['1 CPU, 2 GiB', 'foreach dynamic: steps.start.outputs.regions']);
    expect(toMermaid(model)).toContain('s2[["fetch<br/>1 CPU, 2 GiB<br/>foreach dynamic: steps.start.outputs.regions"]]');
  });

  it('draws an added ordering only when the lowered order does not already imply it', () => {
    const ir = compileFixtureIR('ml-training');
    const bare = (ids: string[], edges: [string, string][]): IR => ({ ...ir, steps: ids.map((id) => ({ ...(ir.steps[0] as IR['steps'][number]), id })), edges });
    // x -> y in the flow; the lowering made z wait for x and for y: x before z is implied through y.
    expect(addedEdges(bare(['x', 'y', 'z'], [['x', 'y']]), [['x', 'z'], ['y', 'z']])).toEqual([['y', 'z']]);
    // An added pair that goes backwards in the IR's step order still counts (w is listed first).
    expect(addedEdges(bare(['w', 'a', 'b'], [['a', 'b']]), [['b', 'w'], ['a', 'w']])).toEqual([['b', 'w']]);
    expect(addedEdges(bare(['a', 'b'], []), [])).toEqual([]);
  });

  it('a legend line says the lowering kept the order when it added nothing', () => {
    const ir = compileFixtureIR('ml-training');
    expect(buildGraph(ir, { engine: 'Google Cloud Workflows', addedOrderings: [] }).legend.at(-1)).toBe("Google Cloud Workflows: the lowering keeps the flow's order exactly");
  });
});

