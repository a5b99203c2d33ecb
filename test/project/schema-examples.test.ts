import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

/** Every `examples` list under a schema, with the JSON pointer of the subschema holding it. */
function withExamples(node: unknown, pointer = '#', out: { pointer: string; examples: unknown[] }[] = []): { pointer: string; examples: unknown[] }[] {
  if (typeof node !== 'object' || node === null) return out;
  if (Array.isArray(node)) node.forEach((n, i) => withExamples(n, `${pointer}/${i}`, out));
  else {
    const o = node as Record<string, unknown>;
    if (Array.isArray(o.examples)) out.push({ pointer, examples: o.examples });
    for (const [k, v] of Object.entries(o)) if (k !== 'examples') withExamples(v, `${pointer}/${k}`, out);
  }
  return out;
}

describe.each(['flow.schema.json', 'project.schema.json'])('schemas/%s examples', (file) => {
  const schema = JSON.parse(readFileSync(join(root, 'schemas', file), 'utf8')) as Record<string, unknown>;
  const found = withExamples(schema);

  it('shows editors examples for the fields users type most', () => {
    expect(found.length).toBeGreaterThanOrEqual(3);
  });

  it('lists only examples its own schema accepts', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addSchema(schema, 'root');
    for (const { pointer, examples } of found) {
      const validate = ajv.getSchema(`root${pointer}`);
      expect(validate, pointer).toBeDefined();
      for (const e of examples) expect(validate?.(e), `${pointer}: ${JSON.stringify(e)} ${JSON.stringify(validate?.errors)}`).toBe(true);
    }
  });
});
