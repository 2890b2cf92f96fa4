// A child process for the Vulkan availability tests (run with `node --import tsx`, under an
// environment that hides Vulkan or names another device): reports, as one JSON line, what auto
// picks for a large product, the warnings printed, whether native still computes, why 'vulkan' is
// unavailable, and what `tensorgrad info` says about it.
import { infoLines } from '../../src/cli/info.js';
import { gemm, getProvider, selectProvider, setWarningSink } from '../../src/kernels/index.js';

const warnings: string[] = [];
setWarningSink((line) => warnings.push(line));

const n = 160; // 2 * 160^3 flops: past the Vulkan rule's floor, so auto considers it
const a = new Float32Array(n * n).fill(0.5);
const b = new Float32Array(n * n).fill(0.25);
const c = new Float32Array(n * n);
gemm(false, false, n, n, n, 1, a, b, 0, c);
const autoPick = selectProvider(2 * n ** 3, 'float32', 'auto', 'gemm')?.name ?? 'reference';

let vulkanError = '';
try {
  getProvider('vulkan');
} catch (err) {
  vulkanError = err instanceof Error ? err.message : String(err);
}
const info = infoLines().filter((l) => /vulkan/i.test(l));
console.log(
  JSON.stringify({ autoPick, correct: c.every((v) => v === 0.125 * n), warnings, vulkanError, info }),
);
