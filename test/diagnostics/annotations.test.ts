import { describe, expect, it } from 'vitest';
import { escapeData, escapeProperty, githubAnnotations } from '../../src/diagnostics/github-annotations.js';

describe('GitHub Actions annotations', () => {
  it('escape %, CR and LF in the message, and also : and , in properties (actions/toolkit rules)', () => {
    expect(escapeData('50% done\r\nnext: a,b')).toBe('50%25 done%0D%0Anext: a,b');
    expect(escapeProperty('c:\\x,y%\n')).toBe('c%3A\\x%2Cy%25%0A');
  });

  it('a forged command in a message stays inside its own annotation', () => {
    const out = githubAnnotations(
      [{ code: 'FLOWC503', severity: 'warning', message: 'bad\n::error file=x::forged', span: { file: '/w/f.yaml', line: 2, col: 3 } }],
      (p) => p.replace('/w/', ''),
    );
    expect(out).toBe('::warning file=f.yaml,line=2,col=3,endLine=2,endColumn=3,title=FLOWC503::bad\\n::error file=x::forged\n');
    expect(out.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('user text shows escaped (ESC, a line break in a file name); the breaks between message and notes are %0A', () => {
    const out = githubAnnotations(
      [{ code: 'FLOWC201', severity: 'error', message: 'key \u001b[31mred', notes: ['one', 'two'], span: { file: '/w/a\nb.yaml', line: 1, col: 1, endLine: 1, endCol: 4 } }],
      (p) => p.replace('/w/', ''),
    );
    expect(out).toBe('::error file=a\\nb.yaml,line=1,col=1,endLine=1,endColumn=4,title=FLOWC201::key \\u001b[31mred%0Anote: one%0Anote: two\n');
    expect(out).not.toContain('\u001b');
  });
});
