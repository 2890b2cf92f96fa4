import { afterAll, describe, expect, it } from 'vitest';
import { record } from '../../src/autograd.js';
import * as tg from '../../src/index.js';
import * as ops from '../../src/ops/index.js';
import { unaryReference } from '../../src/ops/references.js';
import {
  forwardMismatch,
  missingOpEntries,
  opRegistry,
  registerOp,
  samplesOf,
  unregisterOp,
} from '../../src/ops/registry.js';

// The gradient test iterates over the op registry: every sample of every op, in float64.
let worstRel = 0;
let worstAt = '';

describe.each(opRegistry().map((info) => [info.name, info] as const))('gradcheck: %s', (name, info) => {
  const samples = samplesOf(info);
  it.each(samples.map((s) => [s.label, s] as const))('%s', (label, sample) => {
    expect(forwardMismatch(sample)).toBeNull();
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

  it('every sample of every op has a forward reference', () => {
    const without = opRegistry().flatMap((info) =>
      samplesOf(info)
        .filter((sample) => !sample.expected)
        .map((sample) => `${info.name} ${sample.label}`),
    );
    expect(without).toEqual([]);
  });

  it('a wrong forward with a backward that matches it passes gradcheck but not its reference', () => {
    // twice(x) should be 2x; this one computes 3x, and its backward (3) is right for what it computes.
    const twice = (x: tg.Tensor) =>
      record(
        'twice',
        new tg.Tensor(
          x.data.map((v) => 3 * v),
          x.shape,
        ),
        [x],
        (g) => [g.map((v) => 3 * v)],
      );
    const sample = {
      label: '[3]',
      inputs: [tg.tensor([1, -2, 0.5], { dtype: 'float64', requiresGrad: true })],
      run: twice,
      expected: (x: tg.Tensor) => unaryReference(x, (v) => 2 * v),
    };
    expect(tg.gradcheck(sample.run, sample.inputs).ok).toBe(true);
    expect(forwardMismatch(sample)).toMatch(/forward element 0 is 3, reference 2/);
    expect(
      forwardMismatch({ ...sample, run: (x: tg.Tensor) => tg.reshape(x, [3, 1]), expected: undefined }),
    ).toMatch(/no forward reference/);
    expect(forwardMismatch({ ...sample, run: (x: tg.Tensor) => tg.reshape(tg.mul(x, 2), [3, 1]) })).toMatch(
      /forward shape \[3,1\], reference \[3\]/,
    );
  });

  it('refuses to register an op twice', () => {
    expect(() => registerOp({ name: 'add', samples: () => [] })).toThrow(/'add' is registered twice/);
  });
});
