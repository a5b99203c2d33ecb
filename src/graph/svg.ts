import type { GraphModel } from './model.js';
import { toDot } from './dot.js';

/**
 * `flowc graph --format svg`: the dot text laid out by Graphviz compiled to WebAssembly, in this
 * process (no system binary). The module (about 1 MB of WebAssembly) is imported here, and this
 * file only by `flowc graph --format svg`, so no other command pays for loading it.
 */
export async function toSvg(model: GraphModel): Promise<string> {
  const { Graphviz } = await import('@hpcc-js/wasm-graphviz');
  const graphviz = await Graphviz.load();
  const svg = graphviz.dot(toDot(model), 'svg');
  return svg.endsWith('\n') ? svg : `${svg}\n`;
}
