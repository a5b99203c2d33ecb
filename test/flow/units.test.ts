import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatCpu, formatDuration, formatMemory, parseCpu, parseDuration, parseGpu, parseMemory, type UnitResult } from '../../src/flow/units.js';

const value = (r: UnitResult): number | string => (r.ok ? r.value : `error: ${r.error}`);

describe('parseDuration', () => {
  test.each([
    [0, 0],
    [90, 90],
    ['90', 90],
    ['90s', 90],
    ['1h30m', 5400],
    ['2h30m', 9000],
    ['1d', 86400],
    ['1d2h3m4s', 93784],
    ['90m', 5400],
    ['0s', 0],
  ])('%j is %d seconds', (input, seconds) => {
    expect(value(parseDuration(input))).toBe(seconds);
  });

  test.each([
    [-1, 'must not be negative'],
    ['-5s', 'must not be negative'],
    [1.5, 'whole number'],
    ['1.5h', "invalid duration '1.5h'"],
    ['1m1h', 'in that order'],
    ['1h1h', 'in that order'],
    ['', "invalid duration ''"],
    ['5 m', "invalid duration '5 m'"],
    ['1h30', "invalid duration '1h30'"],
    ['10ms', "invalid duration '10ms'"],
    [true, 'got true'],
    [[1], 'got a list'],
    [null, 'got an empty value'],
    [Number.POSITIVE_INFINITY, 'invalid duration'],
    ['99999999999999999999d', 'too large'],
  ])('%j is refused (%s)', (input, message) => {
    const r = parseDuration(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });

  test('formatting then parsing round-trips', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 9 }), (s) => {
        expect(value(parseDuration(formatDuration(s)))).toBe(s);
      }),
    );
  });

  test('formatting is the shortest form', () => {
    expect(formatDuration(5400)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(86400 + 1)).toBe('1d1s');
  });
});

describe('parseMemory', () => {
  test.each([
    [512, 512],
    [1.5, 2],
    ['512Mi', 512],
    ['4Gi', 4096],
    ['1.5Gi', 1536],
    ['1.1Gi', 1127], // 1126.4 MiB rounds up
    ['2G', 1908], // 2e9 bytes = 1907.35 MiB, rounded up
    ['1k', 1],
    ['1K', 1],
    ['1Ki', 1],
    ['1M', 1],
    ['1Ti', 1048576],
    ['1Pi', 2 ** 30],
    ['1T', 953675],
  ])('%j is %d MiB', (input, mib) => {
    expect(value(parseMemory(input))).toBe(mib);
  });

  test.each([
    [0, 'more than 0'],
    [-1, 'more than 0'],
    ['-1Gi', 'must not be negative'],
    ['1024', "needs a unit, e.g. '1024Mi'"],
    ['1GB', "unknown unit 'GB'"],
    ['1gi', "unknown unit 'gi'"],
    ['0Gi', 'more than 0'],
    ['', 'not a quantity'],
    ['Gi', 'not a quantity'],
    [null, 'got an empty value'],
    [{ a: 1 }, 'got a map'],
  ])('%j is refused (%s)', (input, message) => {
    const r = parseMemory(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });

  test('formatting then parsing round-trips', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), (mib) => {
        expect(value(parseMemory(formatMemory(mib)))).toBe(mib);
      }),
    );
    expect(formatMemory(2048)).toBe('2Gi');
    expect(formatMemory(1536)).toBe('1536Mi');
  });

  test('decimal quantities round up to whole MiB exactly (no float error)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 ** 6 }), fc.integer({ min: 0, max: 999 }), fc.constantFrom('k', 'M', 'G', 'T'), (whole, frac, unit) => {
        const text = `${whole}.${String(frac).padStart(3, '0')}${unit}`;
        const factor = { k: 10n ** 3n, M: 10n ** 6n, G: 10n ** 9n, T: 10n ** 12n }[unit];
        const bytesTimes1000 = BigInt(whole * 1000 + frac) * factor;
        const denom = 1000n * 2n ** 20n;
        const expected = Number((bytesTimes1000 + denom - 1n) / denom);
        expect(value(parseMemory(text))).toBe(expected);
      }),
    );
  });
});

describe('parseCpu', () => {
  test.each([
    [1, 1000],
    [0.5, 500],
    [0.001, 1],
    [2.25, 2250],
    ['500m', 500],
    ['1.5', 1500],
    ['0.25', 250],
    ['1.000', 1000],
    ['2', 2000],
  ])('%j is %d millicores', (input, millis) => {
    expect(value(parseCpu(input))).toBe(millis);
  });

  test.each([
    [0, 'more than 0'],
    [-1, 'more than 0'],
    [0.0001, 'not a whole number of millicores'],
    [1e-10, 'not a whole number of millicores'],
    ['0.0005', 'not a whole number of millicores'],
    ['0m', 'more than 0'],
    ['0', 'more than 0'],
    ['1.5m', "invalid cpu '1.5m'"],
    ['500M', "invalid cpu '500M'"],
    ['x', "invalid cpu 'x'"],
    [false, 'got false'],
  ])('%j is refused (%s)', (input, message) => {
    const r = parseCpu(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });

  test('formatting then parsing round-trips, and numbers of cores are exact', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 ** 7 }), (millis) => {
        expect(value(parseCpu(formatCpu(millis)))).toBe(millis);
        expect(value(parseCpu(millis / 1000))).toBe(millis);
        expect(value(parseCpu(`${millis}m`))).toBe(millis);
      }),
    );
  });
});

describe('parseGpu', () => {
  test('non-negative integers', () => {
    expect(value(parseGpu(0))).toBe(0);
    expect(value(parseGpu(2))).toBe(2);
  });
  test.each([
    [-1, 'must not be negative'],
    [1.5, 'whole number'],
    ['1', "got '1'"],
    [null, 'got an empty value'],
  ])('%j is refused (%s)', (input, message) => {
    const r = parseGpu(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });
});
