import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { expect } from 'vitest';

/**
 * Compares `actual` with the golden file byte for byte. `UPDATE_GOLDEN=1 npm test` rewrites golden
 * files instead; CI never sets it, so a missing golden file fails there. Review every golden diff.
 */
export function expectGolden(goldenPath: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === '1' && process.env.CI !== 'true') {
    mkdirSync(dirname(goldenPath), { recursive: true });
    writeFileSync(goldenPath, actual);
    return;
  }
  if (!existsSync(goldenPath)) {
    throw new Error(`missing golden file ${goldenPath}; run UPDATE_GOLDEN=1 npm test and review it`);
  }
  expect(actual, `golden ${goldenPath} (UPDATE_GOLDEN=1 npm test rewrites it; review the diff)`).toBe(
    readFileSync(goldenPath, 'utf8'),
  );
}
