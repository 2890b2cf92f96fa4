import { describe, expect, it } from 'vitest';
import { record } from '../../src/autograd.js';
import { GradcheckError, gradcheck, Tensor, tensor } from '../../src/index.js';

// gradcheck is itself tested: it must catch wrong backward formulas of every kind.
const x64 = () =>
  tensor(
    [
      [0.5, -1.25, 2],
      [1.5, 0.3, -0.7],
    ],
    { dtype: 'float64', requiresGrad: true },
  );

function customOp(backward: (g: Float64Array, x: Float64Array) => Float64Array): (x: Tensor) => Tensor {
  return (x) => {
    const out = new Tensor(x.data.map((v) => v * v) as Float64Array, x.shape);
    return record('custom', out, [x], (g) => [backward(g as Float64Array, x.data as Float64Array)]);
  };
}

describe('gradcheck', () => {
  it('passes a correct backward (d/dx x^2 = 2x)', () => {
    const res = gradcheck(
      customOp((g, x) => g.map((gi, i) => 2 * x[i] * gi)),
      [x64()],
    );
    expect(res.ok).toBe(true);
    expect(res.maxAbsError).toBeLessThan(1e-8);
  });

  it('reports the input, the worst element and both values for a wrong formula', () => {
    const wrong = customOp((g, x) => g.map((gi, i) => (i === 4 ? 3 : 2) * x[i] * gi));
    try {
      gradcheck(wrong, [x64()], { label: 'square' });
      expect.fail('gradcheck should have thrown');
    } catch (err) {
      expect(err).toBeInstanceOf(GradcheckError);
      const msg = (err as Error).message;
      expect(msg).toMatch(/gradcheck failed for square/);
      expect(msg).toMatch(
        /input 0 \(shape \[2,3\]\) element \[1,1\], output element 4: analytic 0\.(9|89)\d*, numeric 0\.(6|59)\d*/,
      );
    }
  });

  it('catches a backward that ignores the upstream gradient (only visible with non-unit upstream)', () => {
    const ignoresUpstream = customOp((g, x) => g.map((gi, i) => (gi === 0 ? 0 : 2 * x[i])));
    const res = gradcheck(ignoresUpstream, [x64()], { raise: false });
    expect(res.ok).toBe(false);
    expect(res.failures.join(' ')).toMatch(/random upstream gradient/);
  });

  it('catches a gradient that is not zero for a zero upstream gradient', () => {
    const leaky = customOp((g, x) => g.map((gi, i) => 2 * x[i] * gi + (g.every((v) => v === 0) ? 1e-3 : 0)));
    const res = gradcheck(leaky, [x64()], { raise: false });
    expect(res.failures.join(' ')).toMatch(/zero upstream gradient gave 0\.001/);
  });

  it('catches a non-deterministic backward', () => {
    let calls = 0;
    const flaky = customOp((g, x) => {
      const wobble = calls++ * 1e-13; // a different value on every backward
      return g.map((gi, i) => (2 * x[i] + wobble) * gi);
    });
    const res = gradcheck(flaky, [x64()], { raise: false });
    expect(res.failures.join(' ')).toMatch(/not deterministic/);
  });

  it('catches a gradient of the wrong shape', () => {
    const wrongShape = (x: Tensor) => {
      const out = new Tensor(x.data.slice(), x.shape);
      return record('bad', out, [x], (g) => [g.subarray(0, 3)]);
    };
    expect(() => gradcheck(wrongShape, [x64()])).toThrow(
      /produced a gradient of 3 values for a tensor of shape \[2,3\]/,
    );
  });

  it('needs float64 inputs and at least one input with requiresGrad', () => {
    const f = (x: Tensor) => x.mul(2);
    expect(() => gradcheck(f, [tensor([1, 2], { requiresGrad: true })])).toThrow(
      /input 0 is float32; gradcheck needs float64/,
    );
    expect(() => gradcheck(f, [tensor([1, 2], { dtype: 'float64' })])).toThrow(/no input has requiresGrad/);
  });
});
