import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureDir, fixtureIR } from '../helpers/fixtures.js';
import { compiledFixtures } from '../targets/refused.js';
import { runPython } from './python.js';

/**
 * Every airflow golden file (fixtures/<case>/expected/<name>.airflow.py, which
 * test/targets/golden.test.ts keeps equal to the target's output) is a Python module that
 * compiles (`py_compile`), and its syntax tree (Python's `ast`) has one operator call per step,
 * with the step's id as `task_id`, and one `>>` per edge of the flow. Airflow is not installed
 * here, so this is as far as the file can be run.
 */
const AST_PROGRAM = String.raw`
import ast, json, os, py_compile, shutil, sys, tempfile
out = {}
# The byte code goes to a temporary folder, not to __pycache__ beside the golden files.
cache = tempfile.mkdtemp()
for i, path in enumerate(json.load(open(sys.argv[1]))):
    py_compile.compile(path, cfile=os.path.join(cache, str(i) + ".pyc"), doraise=True)
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    tasks, edges, mapped = [], [], []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else (f.value.id + "." + f.attr if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else None)
            if name in ("KubernetesPodOperator", "BashOperator", "KubernetesPodOperator.partial", "BashOperator.partial"):
                for kw in node.keywords:
                    if kw.arg == "task_id":
                        tasks.append((node.lineno, kw.value.value))
                        if name.endswith(".partial"):
                            mapped.append((node.lineno, kw.value.value))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift):
            edges.append((node.lineno, [node.left.slice.value, node.right.slice.value]))
    # ast.walk is breadth-first: put what it found back in file order.
    ordered = lambda xs: [x for _, x in sorted(xs, key=lambda p: p[0])]
    out[path] = {"tasks": ordered(tasks), "edges": ordered(edges), "mapped": ordered(mapped)}
shutil.rmtree(cache)
print(json.dumps(out))
`;

describe('the airflow golden files, read by python3', () => {
  const cases = compiledFixtures('airflow').map((name) => {
    const ir = fixtureIR(name);
    return { name, ir, path: join(fixtureDir(name), 'expected', `${ir.flow.name}.airflow.py`) };
  });

  it('cover every fixture the target compiles', () => {
    expect(cases.length).toBeGreaterThanOrEqual(9);
    for (const c of cases) expect(readFileSync(c.path, 'utf8')).toContain('with DAG(');
  });

  it('compile, and have one task per step (mapped for a foreach) and the flow\'s dependency edges', () => {
    const result = runPython(AST_PROGRAM, JSON.stringify(cases.map((c) => c.path))) as Record<string, { tasks: string[]; edges: string[][]; mapped: string[] }>;
    for (const c of cases) {
      const got = result[c.path];
      expect(got?.tasks, c.name).toEqual(c.ir.steps.map((s) => s.id));
      expect(got?.mapped, c.name).toEqual(c.ir.steps.filter((s) => s.foreach).map((s) => s.id));
      expect(got?.edges, c.name).toEqual(c.ir.edges);
    }
  });
});
