import { Document } from 'yaml';
import { safeYamlString, yamlComment } from '../yaml-text.js';
import { writeYaml, type YamlWriteRules } from '../yaml-write.js';

/**
 * The one place Argo YAML is written. Key order is the insertion order of the objects the target
 * builds (apiVersion, kind, metadata, spec first, as kubectl prints them); these options are pinned
 * so output stays byte-identical across runs and `yaml` upgrades that change defaults:
 * - `version: '1.1'`: Kubernetes parses manifests with a YAML 1.1 parser, where `on`, `yes`, `no`
 *   are booleans; 1.1 mode quotes such strings so they stay strings.
 * - `aliasDuplicateObjects: false`: the same labels object appears in several places; anchors and
 *   aliases would be valid YAML but unreadable, and some tools reject them.
 * - `lineWidth: 0`: never fold long strings (commands stay on one line, diffs stay small).
 */
const YAML_OPTIONS = {
  version: '1.1',
  aliasDuplicateObjects: false,
  lineWidth: 0,
  indent: 2,
  indentSeq: true,
} as const;

/**
 * Serializes one or more Kubernetes objects as a YAML stream, with a header comment. The header
 * carries user text (the flow file's name): `yamlComment` keeps each line one inert comment line,
 * so no file name can add documents to the stream; scalars go through `safeYamlString`.
 */
export function toYamlStream(o: { header: string[]; documents: object[] }): string {
  const head = o.header.map((line) => `#${yamlComment([line])}\n`).join('');
  // A stream is documents separated by `---` lines; each document is serialized on its own.
  return head + o.documents.map((doc) => writeYaml(doc, ARGO_YAML_RULES) ?? argoDocumentViaYaml(doc)).join('---\n');
}

/** The options above for ../yaml-write.ts, the direct writer tried first (yaml's default flow padding). */
export const ARGO_YAML_RULES: YamlWriteRules = { version: '1.1', nullStr: 'null', flowPadding: true };

/** One document through the `yaml` package: the fallback of the direct writer, and its reference in tests. */
export function argoDocumentViaYaml(doc: object): string {
  return safeYamlString(new Document(doc, YAML_OPTIONS), YAML_OPTIONS);
}
