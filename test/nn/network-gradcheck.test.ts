import { describe, expect, it } from 'vitest';
import { bce, Dense, Dropout, Generator, gradcheck, Sequential, Tensor } from '../../src/index.js';

// End to end: Dense(5, relu) -> Dropout(0.5) -> Dense(1, sigmoid) -> BCE, in float64, with respect
// to every parameter. The dropout generator is reseeded inside the function, so every evaluation
// uses the same mask, as central differences need.
describe('network gradcheck', () => {
  it('Dense-ReLU-Dropout-Dense-sigmoid-BCE matches central differences for all parameters', () => {
    const d1 = new Dense(5, { activation: 'relu', inputDim: 3 });
    const drop = new Dropout(0.5);
    const d2 = new Dense(1, { activation: 'sigmoid' });
    const net = new Sequential([d1, drop, d2], { seed: 11, dtype: 'float64' });
    const rng = new Generator(2);
    const x = new Tensor(
      Float64Array.from({ length: 18 }, () => rng.uniform(-2, 2)),
      [6, 3],
    );
    const y = new Tensor(Float64Array.from([0, 1, 1, 0, 1, 0]), [6, 1]);
    // Bias spread keeps the ReLU pre-activations away from the kink at 0.
    d1.bias!.data.set([0.3, -0.4, 0.5, 0.6, -0.2]);
    const params = net.parameters();
    expect(params.map((p) => p.dtype)).toEqual(['float64', 'float64', 'float64', 'float64']);

    const loss = (w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor) => {
      [d1.kernel, d1.bias, d2.kernel, d2.bias] = [w1, b1, w2, b2];
      drop.generator = new Generator(7);
      return bce(net.forward(x), y);
    };
    const res = gradcheck(loss, params);
    expect(res.ok).toBe(true);
    // The mask really drops units (otherwise this would not test dropout).
    drop.generator = new Generator(7);
    const h = d1.forward(x);
    const dropped = drop.forward(h).data.filter((v, i) => v === 0 && h.data[i] !== 0).length;
    expect(dropped).toBeGreaterThan(0);
  });
});
