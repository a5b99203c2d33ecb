import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { BuildCache } from '../../src/project/cache.js';
import { EntryReader, StoredFile } from '../../src/project/cache-entry.js';
import { postableOutput, receivedOutput } from '../../src/project/posted-output.js';
import type { CompileUnit, UnitOutput } from '../../src/project/unit.js';
import { sha256Hex } from '../../src/source/canonical-json.js';

const texts = ['{"é": "😀"}\n', 'x'.repeat(20_000), ''];

function compiled(dir: string): { unit: CompileUnit; output: UnitOutput } {
  const dep = join(dir, 'app.toml');
  writeFileSync(dep, 'a = 1\n');
  const unit: CompileUnit = { name: 'one', flowPath: join(dir, 'flow.yaml'), bindingFiles: [], configs: [], sets: [], targets: ['ir'], cwd: dir };
  const files = texts.map((contents, i) => ({ path: `one.${i}.txt`, contents }));
  return { unit, output: { name: 'one', ok: true, diagnostics: [], files, configHash: 'h', deps: { files: [{ path: dep, sha256: sha256Hex('a = 1\n') }], env: [] } } };
}

/** Posts `output` as a build worker does, through a real channel, and receives it as the main thread does. */
function roundTrip(output: UnitOutput, reader: EntryReader | undefined): { received: UnitOutput; moved: ArrayBuffer[] } {
  const { port1, port2 } = new MessageChannel();
  const posted = postableOutput(output);
  port1.postMessage(posted.output, posted.transfer);
  const message = receiveMessageOnPort(port2)?.message as UnitOutput;
  port1.close();
  return { received: receivedOutput(message, reader), moved: posted.transfer };
}

// A worker posts a stored unit as where its files lie in their entry (or, when the entry could
// not be written, as the entry's bytes, moved): the main thread must get exactly the files the
// worker compiled, with their hashes.
describe('a unit posted from a build worker', () => {
  it('arrives as files read from their cache entry, when it was stored', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowc-posted-'));
    const { unit, output } = compiled(dir);
    new BuildCache(join(dir, 'cache'), 'test').store(unit, output);
    const { received, moved } = roundTrip(output, new EntryReader());
    expect(moved).toEqual([]);
    expect(received.files.every((f) => f instanceof StoredFile && f.bytes === undefined)).toBe(true);
    expect(received.files.map((f) => [f.path, f.contents, (f as StoredFile).sha256])).toEqual(texts.map((t, i) => [`one.${i}.txt`, t, sha256Hex(t)]));
  });

  it('arrives with its bytes, moved rather than copied, when its entry could not be written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowc-posted-'));
    const { unit, output } = compiled(dir);
    // A file where the cache folder should be: the entry cannot be written, so the bytes stay in memory.
    writeFileSync(join(dir, 'cache'), 'not a folder');
    new BuildCache(join(dir, 'cache'), 'test').store(unit, output);
    const sent = (output.files[1] as StoredFile).bytes as Buffer;
    const { received, moved } = roundTrip(output, undefined);
    expect(moved).toHaveLength(1);
    // Moved: the sender's view of the entry is gone.
    expect(sent.byteLength).toBe(0);
    expect(received.files.map((f) => [f.path, f.contents, (f as StoredFile).sha256])).toEqual(texts.map((t, i) => [`one.${i}.txt`, t, sha256Hex(t)]));
  });

  it('never moves memory that is not an entry\'s own (Buffer\'s shared pool), and passes text files as they are', () => {
    const pooled = Buffer.from('small');
    const output: UnitOutput = {
      name: 'one',
      ok: true,
      diagnostics: [],
      files: [new StoredFile('one.a.txt', pooled, sha256Hex('small'), pooled.length, 0), { path: 'one.b.txt', contents: 'text\n' }],
    };
    const { received, moved } = roundTrip(output, undefined);
    expect(moved).toEqual([]);
    expect(pooled.toString()).toBe('small');
    expect(Buffer.from('still usable').toString()).toBe('still usable');
    expect(received.files.map((f) => [f.path, f.contents])).toEqual([
      ['one.a.txt', 'small'],
      ['one.b.txt', 'text\n'],
    ]);
  });
});
