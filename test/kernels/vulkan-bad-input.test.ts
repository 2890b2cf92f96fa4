import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { gemm, reluBackward } from '../../src/kernels/index.js';
import { probeVulkan, resetVulkan, vulkanWith } from '../helpers/vulkan.js';

// The addon's Vulkan entries called directly, bypassing the TypeScript checks: bad input must
// throw a message naming the argument and its value, before any memory or device is touched.

const { binding } = probeVulkan();
afterAll(resetVulkan);

const f32 = (n: number) => new Float32Array(n);
const f64 = (n: number) => new Float64Array(n);
function detached(n: number): Float32Array {
  const arr = new Float32Array(n);
  structuredClone(arr.buffer, { transfer: [arr.buffer] });
  return arr;
}

describe.skipIf(!binding)('vulkan entries reject bad input', () => {
  // biome-ignore lint/suspicious/noExplicitAny: deliberately ill-typed calls
  const vk = binding as any;
  const call =
    (name: string, ...args: unknown[]) =>
    () =>
      vk[name](...args);
  const gemmOk = (): unknown[] => [false, false, 2, 2, 3, 1, f32(6), f32(6), 0, f32(4)];
  const gemmWith = (i: number, v: unknown) => {
    const args = gemmOk();
    args[i] = v;
    return call('vulkanGemm', ...args);
  };
  const adamOk = (): unknown[] => [4, f32(4), f32(4), f32(4), f32(4), 0.001, 0.9, 0.999, 1e-7];

  it('the valid calls pass (so the cases below fail for their own reason)', () => {
    expect(call('vulkanGemm', ...gemmOk())).not.toThrow();
    expect(call('vulkanDenseForward', 2, 2, 3, f32(6), f32(6), null, 1, f32(4))).not.toThrow();
    expect(call('vulkanReluBackward', 4, f32(4), f32(4), f32(4))).not.toThrow();
    expect(call('vulkanSigmoidBackward', 4, f32(4), f32(4), f32(4))).not.toThrow();
    expect(call('vulkanColumnSums', 2, 3, f32(6), f32(3))).not.toThrow();
    expect(call('vulkanAdamUpdate', ...adamOk())).not.toThrow();
  });

  it('argument counts', () => {
    expect(call('vulkanGemm', false, false, 2)).toThrow(/vulkan gemm: expected 10 arguments, got 3/);
    expect(call('vulkanReluBackward', 4, f32(4), f32(4))).toThrow(
      /vulkan reluBackward: expected 4 arguments, got 3/,
    );
    expect(call('vulkanAdamUpdate', 4)).toThrow(/vulkan adamUpdate: expected 9 arguments, got 1/);
  });

  it('float64 is refused: the provider computes float32 only', () => {
    expect(gemmWith(9, f64(4))).toThrow(
      /vulkan gemm: c must be a Float32Array \(the vulkan provider computes float32 only\), got Float64Array/,
    );
    expect(gemmWith(6, f64(6))).toThrow(/a is float64 but c is float32/);
    expect(call('vulkanReluBackward', 4, f64(4), f64(4), f64(4))).toThrow(/out must be a Float32Array/);
    expect(call('vulkanColumnSums', 2, 3, f32(6), f64(3))).toThrow(/out must be a Float32Array/);
    expect(call('vulkanAdamUpdate', 4, f32(4), f64(4), f32(4), f32(4), 0.1, 0.9, 0.9, 1e-7)).toThrow(
      /grad is float64 but param is float32/,
    );
  });

  it('sizes: negative, fractional, NaN, not numbers, overflowing', () => {
    expect(gemmWith(2, -1)).toThrow(/m must be a non-negative integer, got -1/);
    expect(gemmWith(3, 1.5)).toThrow(/n must be a non-negative integer, got 1.5/);
    expect(gemmWith(4, Number.NaN)).toThrow(/k must be a non-negative integer, got nan/i);
    expect(gemmWith(2, '2')).toThrow(/m must be a number, got a string/);
    expect(call('vulkanGemm', false, false, 2 ** 33, 2, 2 ** 33, 1, f32(6), f32(6), 0, f32(4))).toThrow(
      /m\*k = .* overflows/,
    );
    expect(call('vulkanReluBackward', Number.POSITIVE_INFINITY, f32(4), f32(4), f32(4))).toThrow(
      /len must be a non-negative integer, got inf/i,
    );
    expect(call('vulkanColumnSums', 2 ** 33, 4, f32(6), f32(4))).toThrow(
      /x has 6 elements, needs 34359738368/,
    );
  });

  it('short, empty and detached arrays, named with what they needed', () => {
    expect(gemmWith(6, f32(5))).toThrow(/vulkan gemm: a has 5 elements, needs 6 \(2x3\)/);
    expect(call('vulkanGemm', false, true, 2, 2, 3, 1, f32(6), f32(5), 0, f32(4))).toThrow(
      /b has 5 elements, needs 6 \(2x3, transposed\)/,
    );
    expect(gemmWith(9, f32(3))).toThrow(/c has 3 elements, needs 4 \(2x2\)/);
    expect(gemmWith(6, detached(6))).toThrow(/a has 0 elements, needs 6/);
    expect(gemmWith(9, detached(4))).toThrow(/c has 0 elements, needs 4/);
    expect(
      call('vulkanReluBackward', 4, f32(4), new Float32Array(new ArrayBuffer(32), 20, 3), f32(4)),
    ).toThrow(/y has 3 elements, needs 4/);
    expect(call('vulkanDenseForward', 2, 3, 2, f32(4), f32(6), f32(2), 0, f32(6))).toThrow(
      /bias has 2 elements, needs 3/,
    );
    expect(call('vulkanAdamUpdate', 4, f32(4), f32(4), f32(3), f32(4), 0.1, 0.9, 0.9, 1e-7)).toThrow(
      /m has 3 elements, needs 4/,
    );
    // Nothing to read or write: empty and detached arrays are fine.
    expect(call('vulkanGemm', false, false, 0, 0, 0, 1, detached(1), f32(0), 0, detached(1))).not.toThrow();
    expect(call('vulkanReluBackward', 0, f32(0), detached(2), f32(0))).not.toThrow();
    expect(call('vulkanColumnSums', 0, 3, f32(0), f32(3))).not.toThrow();
  });

  it('every array of every kernel, one element short, is refused by name before the device runs', () => {
    // [entry, valid arguments, the array arguments: position and name]
    const kernels: Array<[string, unknown[], Array<[number, string]>]> = [
      [
        'vulkanGemm',
        gemmOk(),
        [
          [6, 'a'],
          [7, 'b'],
          [9, 'c'],
        ],
      ],
      [
        'vulkanDenseForward',
        [2, 3, 5, f32(10), f32(15), f32(3), 1, f32(6)],
        [
          [3, 'x'],
          [4, 'w'],
          [5, 'bias'],
          [7, 'out'],
        ],
      ],
      [
        'vulkanReluBackward',
        [5, f32(5), f32(5), f32(5)],
        [
          [1, 'dy'],
          [2, 'y'],
          [3, 'out'],
        ],
      ],
      [
        'vulkanSigmoidBackward',
        [5, f32(5), f32(5), f32(5)],
        [
          [1, 'dy'],
          [2, 'y'],
          [3, 'out'],
        ],
      ],
      [
        'vulkanColumnSums',
        [3, 4, f32(12), f32(4)],
        [
          [2, 'x'],
          [3, 'out'],
        ],
      ],
      [
        'vulkanAdamUpdate',
        [...adamOk()],
        [
          [1, 'param'],
          [2, 'grad'],
          [3, 'm'],
          [4, 'v'],
        ],
      ],
    ];
    for (const [entry, ok, arrays] of kernels) {
      expect(call(entry, ...ok)).not.toThrow();
      for (const [at, name] of arrays) {
        const args = [...ok];
        const full = (ok[at] as Float32Array).length;
        args[at] = f32(full - 1);
        const before = vk.vulkanStats().submissions;
        expect(call(entry, ...args), `${entry} ${name}`).toThrow(
          new RegExp(`: ${name} has ${full - 1} elements, needs ${full}`),
        );
        expect(vk.vulkanStats().submissions, `${entry} ${name}`).toBe(before);
      }
    }
  });

  it('non-array arguments, wrong typed arrays, an activation code out of range', () => {
    expect(gemmWith(6, [1, 2, 3, 4, 5, 6])).toThrow(/a must be a Float32Array or Float64Array, got an Array/);
    expect(gemmWith(7, null)).toThrow(/b must be a Float32Array or Float64Array, got null/);
    expect(gemmWith(9, new Int32Array(4))).toThrow(
      /c must be a Float32Array or Float64Array, got Int32Array/,
    );
    expect(gemmWith(0, 1)).toThrow(/transA must be a boolean, got a number/);
    expect(call('vulkanDenseForward', 2, 2, 3, f32(6), f32(6), null, 4, f32(4))).toThrow(
      /activation must be 0 \(linear\), 1 \(relu\), 2 \(sigmoid\) or 3 \(tanh\), got 4/,
    );
    expect(call('vulkanDenseForward', 2, 2, 3, f32(6), f32(6), 'bias', 1, f32(4))).toThrow(
      /bias must be a Float32Array or Float64Array, got a string/,
    );
  });

  it('the options of vulkanOpen and vulkanSetStaging are checked', () => {
    expect(call('vulkanOpen', 'fast')).toThrow(/options must be an object/);
    expect(call('vulkanOpen', { gemm: 'tiled' })).toThrow(/gemm must be 'shared', 'direct' or 'auto'/);
    expect(call('vulkanOpen', { device: -1 })).toThrow(/device must be a device index/);
    expect(call('vulkanOpen', { forceStaging: 'yes' })).toThrow(/forceStaging must be a boolean/);
    expect(call('vulkanSetStaging', 1)).toThrow(/expected a boolean/);
  });

  it('an array larger than the device binds is refused with the limit named, before any work', () => {
    const range = vk.vulkanInfo().limits.maxStorageBufferRange as number;
    if (range > 2 ** 28) return; // a real GPU binds gigabytes: too much memory for a test
    const len = range / 4 + 1;
    const big = new Float32Array(len);
    const before = vk.vulkanStats().submissions;
    expect(call('vulkanReluBackward', len, big, big, big)).toThrow(
      new RegExp(
        `vulkan reluBackward: dy needs ${len * 4} bytes, more than the device binds at once \\(maxStorageBufferRange ${range}`,
      ),
    );
    expect(vk.vulkanStats().submissions).toBe(before);
  });
});

describe.skipIf(!binding)('settings and the dispatcher', () => {
  // A failed expectation must not leave a bad setting behind for the tests after it.
  afterEach(resetVulkan);

  it('setVulkanOptions checks its keys and values', () => {
    expect(() => vulkanWith({ staging: 'never' as 'auto' })).toThrow(
      /staging must be one of auto, always, got "never"/,
    );
    expect(() => vulkanWith({ gemm: 'fast' as 'auto' })).toThrow(/gemm must be one of auto, shared, direct/);
    expect(() => vulkanWith({ device: -2 })).toThrow(/device must be a device index/);
    expect(() => vulkanWith({ stagging: 'always' } as never)).toThrow(
      /unknown option 'stagging'.*did you mean 'staging'/,
    );
  });

  it('a device index past the last one is refused, naming how many there are', () => {
    const count = (binding as NonNullable<typeof binding>).vulkanInfo()?.devices.length ?? 1;
    expect(() => vulkanWith({ device: count })).toThrow(
      new RegExp(
        `Vulkan device ${count} was asked for \\(setVulkanOptions device, or TENSORGRAD_VULKAN_DEVICE\\) but there ${count === 1 ? 'is 1 Vulkan device \\(0\\)' : `are ${count} Vulkan devices`}`,
      ),
    );
  });

  it('the dispatcher refuses float64 for vulkan and checks lengths before the device sees them', () => {
    const x = new Float64Array(4);
    expect(() => reluBackward(4, x, x, x, 'vulkan')).toThrow(
      /kernel provider 'vulkan' does not support float64/,
    );
    expect(() => gemm(false, false, 2, 2, 3, 1, f32(5), f32(6), 0, f32(4), 'vulkan')).toThrow(
      /gemm: a has 5 elements, needs 6 \(2x3\)/,
    );
  });
});
