import { afterAll, describe, expect, it } from 'vitest';
import { Tensor, withProvider } from '../../src/index.js';
import type { VulkanKernelName, VulkanProvider } from '../../src/kernels/index.js';
import { seedModel } from '../helpers/seed-model.js';
import { probeVulkan, resetVulkan, VULKAN_CONFIGS, vulkanWith } from '../helpers/vulkan.js';
import { nonlinearProblem } from '../training/helpers.js';

// End to end: the seed model (10 -> 64 -> 32 -> 1, relu, dropout 0.5, sigmoid + BCE from logits,
// Adam) trained through Model.fit with every step kernel on the Vulkan provider, against the same
// run on the TypeScript kernels; on each memory path and GEMM main loop.

const { provider: available } = probeVulkan();
afterAll(resetVulkan);

const ROWS = 96;
const BATCH = 32;
const EPOCHS = 2;
const STEPS = (ROWS / BATCH) * EPOCHS;
const problem = nonlinearProblem(ROWS, 21);
const x = new Tensor(problem.x, [ROWS, 10]);
const y = problem.y;

/**
 * As in the gpu.js test (test/kernels/gpu-training.test.ts): both runs are float32 from the same
 * seed, so they differ only by rounding (another summation order, the device's exp and sqrt);
 * 1e-5 is a couple of hundred float32 ulps at the loss and the weights, and a thousandth of what
 * one Adam step (lr = 0.01) moves a weight, so a wrong index or a dropped term fails it.
 */
const LOSS_TOL = 1e-5;
const WEIGHT_TOL = 1e-5;

/** Kernel calls one training step makes (see the gpu.js test). */
const CALLS_PER_STEP: Record<VulkanKernelName, number> = {
  denseForward: 3,
  gemm: 5,
  reluBackward: 2,
  sigmoidBackward: 0, // the sigmoid output layer trains on its logits (bceWithLogits)
  columnSums: 3,
  adamUpdate: 6,
};

interface Run {
  losses: number[];
  weights: Float32Array[];
}

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
        onBatchEnd: (_step, logs) => {
          // logs.loss is the epoch's running mean; recover this batch's own loss from it.
          const size = logs.size as number;
          const total = (logs.loss as number) * (seen + size);
          losses.push((total - sum) / size);
          sum = total;
          seen += size;
          if (losses.length === 1) afterFirstStep();
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
    if (!(e <= w)) w = Number.isNaN(e) ? Number.POSITIVE_INFINITY : e;
  }
  return w;
}

describe.skipIf(!available)('seed model training on the vulkan provider', () => {
  const reference = withProvider('js', () => train());

  it('the TypeScript reference run has a loss per step and stays finite', () => {
    expect(reference.losses).toHaveLength(STEPS);
    expect(reference.losses.every(Number.isFinite)).toBe(true);
    expect(reference.weights.every((w) => w instanceof Float32Array && w.every(Number.isFinite))).toBe(true);
  });

  it.each(VULKAN_CONFIGS.map((c) => [c.label, c] as const))(
    '%s: same losses and weights as the TypeScript kernels',
    (label, config) => {
      const vulkan = vulkanWith(config.settings);
      const callsBefore = { ...vulkan.calls };
      let pipelinesAfterFirst = -1;
      let statsAfterFirst = vulkan.stats();
      const run = withProvider('vulkan', () =>
        train(() => {
          statsAfterFirst = vulkan.stats();
          pipelinesAfterFirst = statsAfterFirst.pipelinesCreated;
        }),
      );
      const stats = vulkan.stats();

      // Every kernel of every step ran on the device, as often as the step needs: no fallback.
      for (const [name, perStep] of Object.entries(CALLS_PER_STEP) as Array<[VulkanKernelName, number]>) {
        expect(vulkan.calls[name] - callsBefore[name], `${label} ${name} calls`).toBe(perStep * STEPS);
      }
      // The first step built the pipelines; the other steps reused them; one fence per call.
      expect(stats.pipelinesCreated).toBe(pipelinesAfterFirst);
      const callsPerStep = Object.values(CALLS_PER_STEP).reduce((a, b) => a + b, 0);
      expect(stats.submissions - statsAfterFirst.submissions).toBe(callsPerStep * (STEPS - 1));
      if (config.settings.staging === 'always') {
        // Weights, biases and Adam's moments stayed on the device between steps (and activations
        // between the kernels that read them): a third of a step's reads at least were not uploaded.
        const skipped = stats.uploadsSkipped - statsAfterFirst.uploadsSkipped;
        expect(skipped).toBeGreaterThan(((STEPS - 1) * callsPerStep) / 3);
      }

      expect(run.losses).toHaveLength(STEPS);
      const lossErr = worst(run.losses, reference.losses);
      const weightErr = Math.max(...run.weights.map((w, i) => worst(w, reference.weights[i])));
      console.info(
        `vulkan training (${label}): ${STEPS} steps, worst |loss difference| ${lossErr.toExponential(2)}, ` +
          `worst |weight difference| ${weightErr.toExponential(2)}, ${stats.submissions - statsAfterFirst.submissions} ` +
          `submissions after the first step, ${stats.uploadsSkipped - statsAfterFirst.uploadsSkipped} uploads skipped`,
      );
      expect(lossErr).toBeLessThanOrEqual(LOSS_TOL);
      expect(weightErr).toBeLessThanOrEqual(WEIGHT_TOL);
    },
  );

  it('the TypeScript run did not touch the vulkan provider', () => {
    const vulkan = vulkanWith({ staging: 'auto', gemm: 'auto' }) as VulkanProvider;
    const before = vulkan.stats().submissions;
    const again = withProvider('js', () => train());
    expect(vulkan.stats().submissions).toBe(before);
    expect(again.losses).toEqual(reference.losses);
  });
});
