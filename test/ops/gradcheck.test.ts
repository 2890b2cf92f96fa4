import { afterAll, describe, expect, it } from 'vitest';
import * as tg from '../../src/index.js';
import * as ops from '../../src/ops/index.js';
import { missingOpEntries, opRegistry, registerOp, samplesOf, unregisterOp } from '../../src/ops/registry.js';

// The gradient test iterates over the op registry: every sample of every op, in float64.
let worstRel = 0;
let worstAt = '';

describe.each(opRegistry().map((info) => [info.name, info] as const))('gradcheck: %s', (name, info) => {
  const samples = samplesOf(info);
  it.each(samples.map((s) => [s.label, s] as const))('%s', (label, sample) => {
    const res = tg.gradcheck(sample.run, sample.inputs, { label: `${name} ${label}` });
    expect(res.ok).toBe(true);
    if (res.maxRelError > worstRel) {
      worstRel = res.maxRelError;
      worstAt = `${name} ${label}`;
    }
  });
});

afterAll(() => {
  console.log(`worst gradcheck relative error over the registry: ${worstRel.toExponential(2)} (${worstAt})`);
});

describe('op registry coverage', () => {
  it('every exported op has a registry entry with samples', () => {
    expect(missingOpEntries(ops)).toEqual([]);
  });

  it('names an exported op that has no samples (the check can fail)', () => {
    const square = (x: tg.Tensor) => tg.mul(x, x);
    registerOp({ name: 'squareWithoutSamples', samples: () => [] });
    try {
      expect(missingOpEntries({ ...ops, squareWithoutSamples: square, unregisteredOp: square })).toEqual([
        'squareWithoutSamples',
        'unregisteredOp',
      ]);
    } finally {
      unregisterOp('squareWithoutSamples');
    }
  });

  it('refuses to register an op twice', () => {
    expect(() => registerOp({ name: 'add', samples: () => [] })).toThrow(/'add' is registered twice/);
  });
});
