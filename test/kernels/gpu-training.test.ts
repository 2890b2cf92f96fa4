import { afterAll, describe, expect, it } from 'vitest';
import { Tensor, withProvider } from '../../src/index.js';
import type { GpuKernelName } from '../../src/kernels/gpu/index.js';
import { type GpuProvider, getProvider, setGpuMode } from '../../src/kernels/index.js';
import { probeGpuModes, requiredGpuModes } from '../helpers/gpu.js';
import { seedModel } from '../helpers/seed-model.js';
import { nonlinearProblem } from '../training/helpers.js';

// End to end: the seed model (10 -> 64 -> 32 -> 1, relu, dropout 0.5, sigmoid + BCE, Adam) trained
// a few steps through Model.fit with every kernel on the gpu provider, in each reachable gpu.js
// mode, against the same run on the TypeScript kernels.

const probes = probeGpuModes();
const reachable = probes.filter((p) => !!p.provider).map((p) => p.mode);
afterAll(() => {
  for (const p of probes) p.provider?.destroy();
  setGpuMode('auto');
});

const ROWS = 96;
const BATCH = 32;
const EPOCHS = 2;
const STEPS = (ROWS / BATCH) * EPOCHS;
const problem = nonlinearProblem(ROWS, 21);
const x = new Tensor(problem.x, [ROWS, 10]);
const y = problem.y;

/**
 * Both runs compute in float32 from the same seed (same initial weights, dropout masks and batch
 * order), so they differ only by rounding: gpu.js sums products in another order, and GLSL's exp
 * and sqrt need not be correctly rounded. One float32 ulp is 6e-8 at a loss of 0.7 and 3e-8 at a
 * weight of 0.3 (the largest Glorot weights here). 1e-5 allows a couple of hundred ulps of drift
 * over the run, yet is a thousandth of what one Adam step moves a weight (about lr = 0.01), so any
 * kernel bug (a wrong index, a dropped term, a missing bias correction) would show. Reached here:
 * at most 6e-8 on the losses and 3e-7 on the weights in every mode (docs/gpu.md).
 */
const LOSS_TOL = 1e-5;
const WEIGHT_TOL = 1e-5;

/** Kernel calls one training step makes: 3 dense forwards; dW for 3 layers and dX for the 2 above the input; 2 ReLU layers; 3 biases; 6 parameters. */
const CALLS_PER_STEP: Record<GpuKernelName, number> = {
  denseForward: 3,
  gemm: 5,
  reluBackward: 2,
  sigmoidBackward: 0, // the sigmoid output layer trains on its logits (bceWithLogits)
  columnSums: 3,
  adamUpdate: 6,
};

interface Run {
  /** The loss of each batch, in order. */
  losses: number[];
  weights: Float32Array[];
}

/** Trains a freshly seeded seed model; afterFirstStep runs once, right after the first batch. */
function train(afterFirstStep: () => void = () => {}): Run {
  const model = seedModel({ seed: 3, lr: 0.01, metrics: [] });
  const losses: number[] = [];
  let sum = 0;
  let seen = 0;
  model.fit(x, y, {
    epochs: EPOCHS,
    batchSize: BATCH,
    verbose: 0,
    seed: 5,
    callbacks: [
      {
        onEpochBegin: () => {
          sum = 0;
          seen = 0;
        },
        onBatchEnd: (step, logs) => {
          // logs.loss is the epoch's running mean; recover this batch's own loss from it.
          const size = logs.size as number;
          const total = (logs.loss as number) * (seen + size);
          losses.push((total - sum) / size);
          sum = total;
          seen += size;
          if (losses.length === 1 && step === 0) afterFirstStep();
        },
      },
    ],
  });
  return { losses, weights: model.getWeights() as Float32Array[] };
}

function worst(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]);
    if (!(e <= w)) w = e;
  }
  return w;
}

const reference = withProvider('js', () => train());

describe('seed model training on the gpu provider', () => {
  for (const mode of requiredGpuModes()) {
    it(`required mode ${mode} is reachable (TENSORGRAD_REQUIRE_GPU_MODES)`, () => {
      expect(reachable).toContain(mode);
    });
  }
  for (const p of probes.filter((q) => !q.provider)) {
    it.skip(`${p.mode}: skipped here: ${p.reason}`, () => {});
  }

  it('the TypeScript reference run learns something and stays finite', () => {
    expect(reference.losses).toHaveLength(STEPS);
    expect(reference.losses.every(Number.isFinite)).toBe(true);
    expect(reference.weights.every((w) => w instanceof Float32Array && w.every(Number.isFinite))).toBe(true);
  });

  it.each(reachable)('mode %s: same losses and weights as the TypeScript kernels', (mode) => {
    setGpuMode(mode);
    const gpu = getProvider('gpu') as GpuProvider;
    expect(gpu.mode).toBe(mode);
    const callsBefore = { ...gpu.calls };
    let compiledAfterFirst = -1;
    const run = withProvider('gpu', () =>
      train(() => {
        compiledAfterFirst = gpu.compilations;
      }),
    );

    // Every kernel of the step ran on gpu.js, as many times as the step needs: no fallback.
    for (const [name, perStep] of Object.entries(CALLS_PER_STEP) as Array<[GpuKernelName, number]>) {
      expect(gpu.calls[name] - callsBefore[name], `${mode} ${name} calls`).toBe(perStep * STEPS);
    }
    // The first step compiled the kernels; the other steps reused them.
    expect(compiledAfterFirst).toBeGreaterThan(0);
    expect(gpu.compilations).toBe(compiledAfterFirst);

    expect(run.losses).toHaveLength(STEPS);
    const lossErr = worst(run.losses, reference.losses);
    const weightErr = Math.max(...run.weights.map((w, i) => worst(w, reference.weights[i])));
    console.info(
      `gpu training ${mode}: ${STEPS} steps, worst |loss difference| ${lossErr.toExponential(2)}, ` +
        `worst |weight difference| ${weightErr.toExponential(2)}`,
    );
    expect(lossErr).toBeLessThanOrEqual(LOSS_TOL);
    expect(weightErr).toBeLessThanOrEqual(WEIGHT_TOL);
  });

  it('the TypeScript run did not touch the gpu provider', () => {
    // train() on 'js' again, with a loaded gpu provider around: no gpu kernel call.
    setGpuMode(reachable[0]);
    const gpu = getProvider('gpu') as GpuProvider;
    const before = { ...gpu.calls };
    const again = withProvider('js', () => train());
    expect(gpu.calls).toEqual(before);
    // And the TypeScript path is deterministic: bit for bit the same run.
    expect(again.losses).toEqual(reference.losses);
    again.weights.forEach((w, i) => expect(w).toEqual(reference.weights[i]));
  });
});
