import { execFileSync } from 'node:child_process';
import { isUtf8 } from 'node:buffer';
import { mkdirSync, mkdtempSync, openSync, closeSync, ftruncateSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SourceRegistry } from '../../src/source/files.js';
import { MAX_INPUT_BYTES } from '../../src/source/limits.js';
import { decodeUtf8, firstInvalidUtf8, readInputFile } from '../../src/source/read-input.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowc-read-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A FIFO with no writer: a plain open() for reading would wait for one forever. */
function fifo(name: string): string {
  const p = join(dir, name);
  execFileSync('mkfifo', [p]);
  return p;
}

function link(name: string, target: string): string {
  const p = join(dir, name);
  symlinkSync(target, p);
  return p;
}

describe('readInputFile: only regular files (FLOWC006)', () => {
  it('refuses a FIFO without waiting for a writer, also through a symlink named .yaml', () => {
    const f = fifo('pipe');
    expect(readInputFile(f, MAX_INPUT_BYTES)).toMatchObject({ code: 'FLOWC006', error: expect.stringContaining('a FIFO (named pipe)') });
    expect(readInputFile(link('config.yaml', f), MAX_INPUT_BYTES)).toMatchObject({ code: 'FLOWC006' });
  });

  it('refuses /dev/zero and /dev/null through a .yaml symlink without reading them', () => {
    expect(readInputFile(link('zero.yaml', '/dev/zero'), MAX_INPUT_BYTES)).toMatchObject({ code: 'FLOWC006', error: expect.stringContaining('a character device') });
    expect(readInputFile(link('null.toml', '/dev/null'), MAX_INPUT_BYTES)).toMatchObject({ code: 'FLOWC006' });
  });

  it('refuses a folder, also through a symlink', () => {
    mkdirSync(join(dir, 'sub'));
    expect(readInputFile(join(dir, 'sub'), MAX_INPUT_BYTES)).toMatchObject({ code: 'FLOWC006', error: expect.stringContaining('a folder') });
    expect(readInputFile(link('dir.json', join(dir, 'sub')), MAX_INPUT_BYTES)).toMatchObject({ code: 'FLOWC006' });
  });

  it('refuses a Unix socket', async () => {
    const p = join(dir, 'sock.yaml');
    const server: Server = createServer();
    await new Promise<void>((res) => server.listen(p, res));
    try {
      expect(readInputFile(p, MAX_INPUT_BYTES)).toMatchObject({ code: 'FLOWC006', error: expect.stringContaining('a socket') });
    } finally {
      await new Promise<void>((res) => server.close(() => res()));
    }
  });

  it('a missing file has no code of its own (the caller reports FLOWC001 or FLOWC401)', () => {
    expect(readInputFile(join(dir, 'nope.yaml'), MAX_INPUT_BYTES)).toEqual({ error: 'no such file' });
  });
});

describe('readInputFile: the size limit (FLOWC007)', () => {
  it('refuses a file larger than the default 16 MiB from its size, without reading it', () => {
    const p = join(dir, 'big.yaml');
    const fd = openSync(p, 'w');
    ftruncateSync(fd, MAX_INPUT_BYTES + 1); // sparse: costs no disk
    closeSync(fd);
    expect(MAX_INPUT_BYTES).toBe(16 * 1024 * 1024);
    expect(readInputFile(p, MAX_INPUT_BYTES)).toMatchObject({ code: 'FLOWC007', error: expect.stringContaining('the 16 MiB limit') });
  });

  it('accepts a file of exactly the limit and refuses one byte more', () => {
    writeFileSync(join(dir, 'a.yaml'), 'x'.repeat(1024));
    writeFileSync(join(dir, 'b.yaml'), 'x'.repeat(1025));
    expect(readInputFile(join(dir, 'a.yaml'), 1024)).toEqual({ text: 'x'.repeat(1024) });
    expect(readInputFile(join(dir, 'b.yaml'), 1024)).toMatchObject({ code: 'FLOWC007', error: expect.stringContaining('the 1 KiB limit') });
  });

  it('the registry applies its limit', () => {
    writeFileSync(join(dir, 'c.yaml'), 'a: 1\n'.repeat(100));
    expect(new SourceRegistry({ maxBytes: 100 }).read(join(dir, 'c.yaml'))).toMatchObject({ code: 'FLOWC007' });
    expect(new SourceRegistry().read(join(dir, 'c.yaml'))).toHaveProperty('text');
  });
});

describe('strict UTF-8 (FLOWC008)', () => {
  const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

  it('reports the first invalid byte at its line and column instead of writing U+FFFD', () => {
    expect(decodeUtf8(bytes('a: 1\nb: "caf', [0xe9], '"\n'))).toMatchObject({ code: 'FLOWC008', at: { line: 2, col: 8 }, error: expect.stringContaining('byte 12 (0xe9)') });
  });

  it('counts columns in UTF-16 code units, as every other span does (the emoji takes two)', () => {
    expect(decodeUtf8(bytes('x: "é€😀', [0xff], '"'))).toMatchObject({ at: { line: 1, col: 9 } });
  });

  it('refuses overlong forms, surrogates, code points above U+10FFFF and cut-off sequences', () => {
    for (const bad of [[0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]]) {
      expect(decodeUtf8(bytes('ok ', bad)), JSON.stringify(bad)).toMatchObject({ code: 'FLOWC008', at: { line: 1, col: 4 } });
    }
  });

  it('accepts a byte order mark and drops it', () => {
    expect(decodeUtf8(bytes([0xef, 0xbb, 0xbf], 'a: 1\n'))).toEqual({ text: 'a: 1\n' });
    writeFileSync(join(dir, 'bom.yaml'), bytes([0xef, 0xbb, 0xbf], 'a: 1\n'));
    expect(readInputFile(join(dir, 'bom.yaml'), MAX_INPUT_BYTES)).toEqual({ text: 'a: 1\n' });
  });

  it('finds the first invalid byte exactly where the platform decoder stops accepting', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (b) => {
        const bad = firstInvalidUtf8(b);
        expect(bad === b.length).toBe(isUtf8(b));
        if (bad < b.length) {
          expect(isUtf8(b.subarray(0, bad))).toBe(true);
          // No longer valid prefix reaches past `bad` (what TextDecoder with fatal would reject).
          for (let end = bad + 1; end <= Math.min(b.length, bad + 4); end++) expect(isUtf8(b.subarray(0, end))).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
