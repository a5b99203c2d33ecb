// asl-validator 4.0.0 ships no type declarations; this is the part the tests use.
declare module 'asl-validator' {
  export default function aslValidator(definition: unknown, options?: unknown): { isValid: boolean; errors: unknown[] };
}
