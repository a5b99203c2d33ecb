// The benchmarks' synthetic flow, shared by scripts/bench.mjs and scripts/bench-scale.mjs.
/** A layered flow: width 10, each step needing up to 3 steps of the layer before. */
export function syntheticFlow(n) {
  const width = 10;
  const lines = ['flowc: 1', `name: synthetic-${n}`, 'defaults:', '  image: alpine:3.20', 'parameters:', '  date: { type: string, default: "2026-01-01" }', 'steps:'];
  for (let i = 0; i < n; i++) {
    const layer = Math.floor(i / width);
    lines.push(`  s${i}:`);
    if (layer > 0) {
      const prev = [...new Set([0, 3, 7].map((k) => (layer - 1) * width + ((i + k) % width)))];
      lines.push(`    needs: [${prev.map((p) => `s${p}`).join(', ')}]`);
    }
    lines.push(`    command: [run, --step, s${i}, --date, "\${params.date}"]`);
  }
  return `${lines.join('\n')}\n`;
}
