import { describe, expect, it } from 'vitest';
import { writeOutcomeReport } from '../../src/cli/write-report.js';

const shown = (rel: string) => `out/${rel}`;

describe('what a write reports', () => {
  it('an interrupt: exit 128 + signal, and whether the files were committed (FLOWC016)', () => {
    expect(writeOutcomeReport({ status: 'interrupted', signal: 'SIGINT', committed: false }, shown)).toEqual({
      exit: 130,
      diagnostics: [{ code: 'FLOWC016', severity: 'error', message: 'interrupted by SIGINT while writing; temporary files were removed and no file was changed' }],
    });
    expect(writeOutcomeReport({ status: 'interrupted', signal: 'SIGTERM', committed: true }, shown)).toEqual({
      exit: 143,
      diagnostics: [{ code: 'FLOWC016', severity: 'error', message: 'interrupted by SIGTERM after every file was written; the outputs are complete' }],
    });
  });

  it('a file left changed that did not exist before says so (FLOWC015)', () => {
    const r = writeOutcomeReport({ status: 'failed', rel: 'b.json', error: 'EIO', changed: [{ rel: 'a.json' }] }, shown);
    expect(r.exit).toBe(1);
    expect(r.diagnostics[0]?.code).toBe('FLOWC015');
    expect(r.diagnostics[0]?.notes).toEqual(['changed: out/a.json (it did not exist before)']);
  });
});
