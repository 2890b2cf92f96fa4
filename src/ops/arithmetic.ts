import { record } from '../autograd.js';
import type { Generator } from '../random.js';
import { Tensor } from '../tensor.js';
import { broadcastPair, gradThrough, mapBinary as mapWith, type Operand, reduceGrad } from './elementwise.js';
import { binaryReference } from './references.js';
import { type OpSample, registerOp } from './registry.js';
import { elementwiseSample, type SampleRange, sampleInput } from './samples.js';

// Elementwise arithmetic with NumPy broadcasting. Each backward sums the gradient back over the
// dimensions its input was broadcast along.

export function add(x: Operand, y: Operand): Tensor {
  const bc = broadcastPair('add', x, y);
  const out = new Tensor(mapBinaryAdd(bc), bc.shape);
  return record('add', out, [bc.a, bc.b], (g) => [
    reduceGrad(g, bc.mapA, bc.a.size),
    reduceGrad(g, bc.mapB, bc.b.size),
  ]);
}

function mapBinaryAdd(bc: ReturnType<typeof broadcastPair>) {
  const { a, b, size } = bc;
  const out = a.dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
  const ad = a.data;
  const bd = b.data;
  // The bias-add case (rows + a vector) is common enough to get its own loop.
  if (bc.mapA === 'same' && bc.mapB === 'suffix') {
    const nb = bd.length;
    for (let i = 0; i < size; i += nb) for (let j = 0; j < nb; j++) out[i + j] = ad[i + j] + bd[j];
    return out;
  }
  if (bc.mapA === 'same' && bc.mapB === 'same') {
    for (let i = 0; i < size; i++) out[i] = ad[i] + bd[i];
    return out;
  }
  return mapWith(bc, (p, q) => p + q);
}

export function sub(x: Operand, y: Operand): Tensor {
  const bc = broadcastPair('sub', x, y);
  const out = new Tensor(
    mapWith(bc, (p, q) => p - q),
    bc.shape,
  );
  return record('sub', out, [bc.a, bc.b], (g) => [
    reduceGrad(g, bc.mapA, bc.a.size),
    gradThrough(bc, g, 'b', () => -1),
  ]);
}

export function mul(x: Operand, y: Operand): Tensor {
  const bc = broadcastPair('mul', x, y);
  const out = new Tensor(
    mapWith(bc, (p, q) => p * q),
    bc.shape,
  );
  return record('mul', out, [bc.a, bc.b], (g) => [
    bc.a.requiresGrad ? gradThrough(bc, g, 'a', (_p, q) => q) : null,
    bc.b.requiresGrad ? gradThrough(bc, g, 'b', (p) => p) : null,
  ]);
}

export function div(x: Operand, y: Operand): Tensor {
  const bc = broadcastPair('div', x, y);
  const out = new Tensor(
    mapWith(bc, (p, q) => p / q),
    bc.shape,
  );
  return record('div', out, [bc.a, bc.b], (g) => [
    bc.a.requiresGrad ? gradThrough(bc, g, 'a', (_p, q) => 1 / q) : null,
    bc.b.requiresGrad ? gradThrough(bc, g, 'b', (p, q) => -p / (q * q)) : null,
  ]);
}

export function neg(x: Tensor): Tensor {
  return mul(x, -1);
}

/** Broadcasting cases every binary op is checked on. */
function binarySamples(
  op: (a: Operand, b: Operand) => Tensor,
  f: (x: number, y: number) => number,
  rng: Generator,
  rangeB: SampleRange = {},
): OpSample[] {
  const shapes: Array<[number[], number[]]> = [
    [
      [3, 4],
      [3, 4],
    ],
    [[3, 4], [4]],
    [
      [2, 3, 4],
      [3, 1],
    ],
    [
      [4, 1],
      [1, 5],
    ],
    [[5], []],
    [[], [2, 3]],
  ];
  const samples: OpSample[] = shapes.map(([sa, sb]) => ({
    label: `[${sa}] with [${sb}]`,
    inputs: [sampleInput(rng, sa), sampleInput(rng, sb, rangeB)],
    run: (a, b) => op(a, b),
    expected: (a, b) => binaryReference(a, b, f),
  }));
  samples.push({
    label: '[3,2] with the number 1.5',
    inputs: [sampleInput(rng, [3, 2])],
    run: (a) => op(a, 1.5),
    expected: (a) => binaryReference(a, 1.5, f),
  });
  samples.push({
    label: 'the number 1.5 with [2,3]',
    inputs: [sampleInput(rng, [2, 3], rangeB)],
    run: (b) => op(1.5, b),
    expected: (b) => binaryReference(1.5, b, f),
  });
  return samples;
}

registerOp({ name: 'add', samples: (rng) => binarySamples(add, (x, y) => x + y, rng) });
registerOp({ name: 'sub', samples: (rng) => binarySamples(sub, (x, y) => x - y, rng) });
registerOp({ name: 'mul', samples: (rng) => binarySamples(mul, (x, y) => x * y, rng) });
registerOp({
  name: 'div',
  samples: (rng) => binarySamples(div, (x, y) => x / y, rng, { awayFromZero: 0.5 }),
});
registerOp({
  name: 'neg',
  samples: (rng) => [
    elementwiseSample(rng, '[3,4]', [3, 4], neg, (v) => -v),
    elementwiseSample(rng, '[]', [], neg, (v) => -v),
  ],
});
