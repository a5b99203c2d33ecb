import { describe, expect, it, vi } from 'vitest';

// An exception that escapes a command is a bug in flowc: the CLI says so, with a distinct exit code
// (70) and no stack trace unless FLOWC_DEBUG=1.
vi.mock('../../src/pipeline/compile.js', () => ({
  compileTargets: () => {
    throw new Error('boom');
  },
}));

describe('internal errors', () => {
  it('are reported as a bug with exit code 70, stack only with FLOWC_DEBUG=1', async () => {
    const { main } = await import('../../src/cli/main.js');
    let err = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err += String(chunk);
      return true;
    });
    try {
      delete process.env.FLOWC_DEBUG;
      expect(await main(['compile', 'x.yaml', '--target', 'ir'])).toBe(70);
      expect(err).toContain('error FLOWC900: this is a bug in flowc: boom');
      expect(err).not.toMatch(/\n\s+at /);
      err = '';
      process.env.FLOWC_DEBUG = '1';
      expect(await main(['compile', 'x.yaml', '--target', 'ir'])).toBe(70);
      expect(err).toMatch(/\n\s+at /);
    } finally {
      delete process.env.FLOWC_DEBUG;
      spy.mockRestore();
    }
  });
});
