// scripts/synthetic-flow.mjs is plain JavaScript; this is the part the tests use.
declare module '*/scripts/synthetic-flow.mjs' {
  export function syntheticFlow(n: number): string;
}
