import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The README's TypeScript examples are run as written (with 'tensorgrad' pointed at src/), so the
// first thing a user copies cannot rot.
const root = resolve(import.meta.dirname, '../..');
const blocks = [...readFileSync(join(root, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map(
  (m) => m[1],
);

describe('README examples', () => {
  it('has at least one TypeScript example', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  it.each(blocks.map((code, i) => [i + 1, code] as const))('example %i runs', (_i, code) => {
    const dir = mkdtempSync(join(root, 'test', '.readme-'));
    try {
      const file = join(dir, 'example.ts');
      writeFileSync(file, code.replaceAll("from 'tensorgrad'", `from '${join(root, 'src/index.ts')}'`));
      const out = execFileSync(join(root, 'node_modules/.bin/tsx'), [file], { cwd: root, encoding: 'utf8' });
      expect(out).not.toMatch(/Error/);
      // The first example ends with gradcheck's verdict.
      if (_i === 1) expect(out).toMatch(/^true /m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
