/**
 * flowc's programmatic API (docs/deploy.md): compile, build and deploy from a script. Every
 * function returns artifacts and diagnostics as data; none prints, writes outside what it is
 * asked to deploy, or exits. Cloud SDKs load only when `deploy` reaches their target.
 */
export { compile, type CompileOptions, type CompileOutput } from './api/compile.js';
export { build, type BuildOptions, type BuildOutput, loadProject, type LoadedProject, type Project, type ProjectBinding } from './api/project.js';
export { deploy, type DeployOptions, deployProject, type DeployProjectOptions, type DeployProjectOutput } from './api/deploy.js';
export { formatDiagnostics } from './api/format.js';
export type { DeployChange, DeployClients, DeployResult, DeploySettings } from './deploy/types.js';
export type { Diagnostic, Severity } from './diagnostics/diagnostic.js';
export type { Span } from './source/span.js';
export type { Artifact } from './targets/target.js';
export type { IR } from './ir/types.js';
export { FLOWC_VERSION as version } from './version.js';
