import { basename, extname, relative, resolve } from 'node:path';
import { readRegularFile } from '../source/regular-file.js';
import { UsageError } from './io.js';

/** Enough of a file to see its top-level keys; a flow or project file states them early. */
const SNIFF_BYTES = 64 * 1024;

/**
 * Stops `flowc compile|validate|config FILE` early when FILE is plainly not a flow: a project file
 * (named `flowc.yaml`, or a map with `bindings:` and no `steps:`) or a TOML config file. Without
 * this the user reads a schema error ("a flow file must be a map of fields") about a file that is
 * fine for what it is. Anything else goes on to the flow parser, which reports it in full.
 */
export function checkFlowArgument(options: { cwd: string; flow: string; command: string }): void {
  const path = resolve(options.cwd, options.flow);
  const shown = options.flow;
  const name = basename(path).toLowerCase();
  const read = readRegularFile(path, { maxBytes: SNIFF_BYTES, followLinks: true });
  const head = read.ok ? read.bytes.toString('utf8') : read.reason === 'too-large' ? '' : undefined;
  if (head === undefined) return;
  const topKeys = new Set([...head.matchAll(/^([A-Za-z_][\w-]*)\s*:/gm)].map((m) => m[1]));
  if (name === 'flowc.yaml' || name === 'flowc.yml' || (topKeys.has('bindings') && !topKeys.has('steps'))) {
    const rel = relative(options.cwd, path);
    const p = rel === 'flowc.yaml' ? '' : ` -p ${rel.startsWith('..') ? path : rel}`;
    throw new UsageError(`${shown} is a project file, not a flow: flowc ${options.command} takes one flow file (*.flow.yaml)`, 'FLOWC021', [
      options.command === 'validate'
        ? `to check every binding of the project without writing, run: flowc build${p} --check`
        : `to compile every binding of the project, run: flowc build${p}`,
      'to work on one binding, give its flow file and its configs: flowc ' + options.command + ' FLOW --config NAME=FILE',
    ]);
  }
  if (extname(name) === '.toml') {
    throw new UsageError(`${shown} is a config file (TOML), not a flow: flowc ${options.command} takes the flow file (*.flow.yaml)`, 'FLOWC021', [
      `a flow declares its configs under configs:; give this file to one of them: flowc ${options.command} FLOW --config NAME=${shown}`,
    ]);
  }
}
