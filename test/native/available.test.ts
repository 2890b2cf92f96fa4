import { describe, expect, it } from 'vitest';
import { availableProviders, unavailableProviders } from '../../src/kernels/index.js';
import { tryNative } from './load.js';

const { addon, reason } = tryNative();

describe('native addon availability', () => {
  it('is built and registered in CI (where the addon must build)', () => {
    if (!process.env.CI) {
      if (!addon) console.warn(`native addon unavailable outside CI: ${reason}`);
      return;
    }
    expect(reason).toBe('');
    expect(availableProviders().map((p) => p.name)).toContain('native');
    expect(unavailableProviders().has('native')).toBe(false);
  });
  it.skipIf(!addon)('reports an ISA and a thread count', () => {
    expect(['avx512', 'avx2+fma', 'vec128']).toContain(addon!.isa());
    expect(addon!.getThreads()).toBeGreaterThanOrEqual(1);
  });
});
