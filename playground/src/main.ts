import * as gpujs from 'gpu.js';
import gpuPackage from 'gpu.js/package.json' with { type: 'json' };
import {
  createGpuProviderWith,
  type GpuMode,
  type GpuProvider,
  registerProvider,
  setProvider,
} from '../../src/browser.js';
import {
  type GraphNode,
  type HiddenActivation,
  type OptimizerChoice,
  type PlaygroundSettings,
  SECTION_5,
  SECTION_43,
  Trainer,
} from './trainer.js';

/** The page: knobs, the data and decision boundary, each first-layer unit, loss curves, the graph. */
const GRID = 48;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** gpu.js on WebGL2 or WebGL when the browser gives it a context; else the TypeScript kernels. */
function startKernels(): { provider: string; detail: string } {
  const tried: string[] = [];
  for (const mode of ['webgl2', 'webgl'] as GpuMode[]) {
    try {
      const provider: GpuProvider = createGpuProviderWith({ gpujs, version: gpuPackage.version }, { mode });
      registerProvider(provider);
      setProvider('gpu');
      return { provider: 'gpu', detail: provider.describe?.() ?? `gpu.js ${mode}` };
    } catch (err) {
      tried.push(`${mode}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  setProvider('js');
  return { provider: 'js', detail: `gpu.js did not start (${tried.join('; ')}); the 'js' provider runs` };
}

const kernels = startKernels();
$('mode').textContent = `kernels: ${kernels.provider} — ${kernels.detail}`;

let trainer: Trainer;
let running = false;

function readSettings(): PlaygroundSettings {
  const num = (id: string) => Number(($(id) as HTMLInputElement).value);
  const layers = ($('layers') as HTMLInputElement).value
    .split(',')
    .map((v) => Number.parseInt(v.trim(), 10))
    .filter((v) => Number.isInteger(v) && v > 0);
  return {
    ...SECTION_43,
    learningRate: num('lr'),
    optimizer: ($('optimizer') as HTMLSelectElement).value as OptimizerChoice,
    activation: ($('activation') as HTMLSelectElement).value as HiddenActivation,
    dropout: num('dropout'),
    l2: num('l2'),
    batchSize: num('batch'),
    layers,
    seed: num('seed'),
  };
}

function writeSettings(s: PlaygroundSettings): void {
  ($('lr') as HTMLInputElement).value = String(s.learningRate);
  ($('optimizer') as HTMLSelectElement).value = s.optimizer;
  ($('activation') as HTMLSelectElement).value = s.activation;
  ($('dropout') as HTMLInputElement).value = String(s.dropout);
  ($('l2') as HTMLInputElement).value = String(s.l2);
  ($('batch') as HTMLInputElement).value = String(s.batchSize);
  ($('layers') as HTMLInputElement).value = s.layers.join(', ');
}

function reset(): void {
  trainer = new Trainer(readSettings());
  draw();
}

/** Grid points of the square [-1, 1]^2, row 0 at the top. */
const gridX = (() => {
  const x = new Float32Array(GRID * GRID * 2);
  for (let r = 0; r < GRID; r++) {
    for (let c = 0; c < GRID; c++) {
      x[2 * (r * GRID + c)] = -1 + (2 * (c + 0.5)) / GRID;
      x[2 * (r * GRID + c) + 1] = 1 - (2 * (r + 0.5)) / GRID;
    }
  }
  return x;
})();

/** Orange (0) through white to blue (1). */
function color(v: number): [number, number, number] {
  const t = Math.min(Math.max(v, 0), 1);
  return t < 0.5
    ? [245, 245 - (0.5 - t) * 2 * 100, 245 - (0.5 - t) * 2 * 220]
    : [245 - (t - 0.5) * 2 * 215, 245 - (t - 0.5) * 2 * 120, 245];
}

function heatmap(canvas: HTMLCanvasElement, values: ArrayLike<number>, stride = 1, offset = 0): void {
  const ctx = canvas.getContext('2d')!;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  if (stride > 1) {
    for (let i = 0; i < GRID * GRID; i++) {
      const v = values[i * stride + offset];
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  const img = ctx.createImageData(GRID, GRID);
  for (let i = 0; i < GRID * GRID; i++) {
    let v = values[i * stride + offset];
    // A unit's output is rescaled to its own range; probabilities are drawn as they are.
    if (stride > 1) v = hi > lo ? (v - lo) / (hi - lo) : 0.5;
    const [r, g, b] = color(v);
    img.data.set([r, g, b, 255], 4 * i);
  }
  const off = document.createElement('canvas');
  off.width = GRID;
  off.height = GRID;
  off.getContext('2d')!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
}

function drawPoints(canvas: HTMLCanvasElement): void {
  const ctx = canvas.getContext('2d')!;
  const { x, y, rows } = trainer.train;
  for (let i = 0; i < rows; i++) {
    const px = ((x[2 * i] + 1) / 2) * canvas.width;
    const py = ((1 - x[2 * i + 1]) / 2) * canvas.height;
    ctx.beginPath();
    ctx.arc(px, py, 3, 0, 2 * Math.PI);
    ctx.fillStyle = y[i] === 1 ? '#1f5fbf' : '#e07b00';
    ctx.fill();
    ctx.strokeStyle = '#fff';
    ctx.stroke();
  }
}

function drawLosses(canvas: HTMLCanvasElement): void {
  const ctx = canvas.getContext('2d')!;
  const w = canvas.width;
  const h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  ctx.strokeStyle = '#ccc';
  ctx.strokeRect(0, 0, w, h);
  const series: Array<[number[], string]> = [
    [trainer.trainLosses, '#1f5fbf'],
    [trainer.validationLosses, '#e07b00'],
  ];
  const all = [...trainer.trainLosses, ...trainer.validationLosses].filter(Number.isFinite);
  if (all.length === 0) return;
  const top = Math.max(...all, 0.1);
  const n = Math.max(trainer.trainLosses.length, 2);
  for (const [values, stroke] of series) {
    ctx.beginPath();
    values.forEach((v, i) => {
      const px = (i / (n - 1)) * (w - 4) + 2;
      const py = h - 2 - (Math.min(v, top) / top) * (h - 4);
      if (i === 0) ctx.moveTo(px, py);
      else ctx.lineTo(px, py);
    });
    ctx.strokeStyle = stroke;
    ctx.lineWidth = 1.5;
    ctx.stroke();
  }
  ctx.fillStyle = '#333';
  ctx.fillText(`loss axis 0 .. ${top.toFixed(2)}`, 6, 12);
}

function drawGraph(nodes: GraphNode[]): void {
  const fmt = (v: number) =>
    Math.abs(v) >= 1e3 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : v.toFixed(4);
  const lines = nodes.map((n) => {
    const from = n.inputs.length ? ` <- ${n.inputs.map((i) => (i < 0 ? 'data' : `#${i}`)).join(', ')}` : '';
    const grad = n.grad ? ` | grad mean ${fmt(n.grad.mean)} [${fmt(n.grad.min)}, ${fmt(n.grad.max)}]` : '';
    return `#${n.index} ${n.op} [${n.shape.join(',')}]${from} | value mean ${fmt(n.value.mean)} [${fmt(n.value.min)}, ${fmt(n.value.max)}]${grad}`;
  });
  $('graph').textContent = lines.length ? lines.join('\n') : '(take a step to record a graph)';
}

function draw(): void {
  const { probability, firstLayer } = trainer.probe(gridX, GRID * GRID);
  const boundary = $<HTMLCanvasElement>('boundary');
  heatmap(boundary, probability);
  drawPoints(boundary);
  const neurons = $('neurons');
  neurons.replaceChildren();
  if (firstLayer !== null) {
    const units = firstLayer.shape[1];
    for (let u = 0; u < Math.min(units, 64); u++) {
      const c = document.createElement('canvas');
      c.width = 56;
      c.height = 56;
      c.title = `first-layer unit ${u}`;
      heatmap(c, firstLayer.data, units, u);
      neurons.appendChild(c);
    }
  }
  drawLosses($<HTMLCanvasElement>('losses'));
  drawGraph(trainer.lastGraph);
  const last = trainer.trainLosses.length - 1;
  $('status').textContent =
    last < 0
      ? 'step 0'
      : `step ${trainer.steps} — train loss ${trainer.trainLosses[last].toFixed(4)} — validation loss ${trainer.validationLosses[last].toFixed(4)}`;
}

function loop(): void {
  if (!running) return;
  for (let i = 0; i < 5; i++) trainer.step();
  draw();
  requestAnimationFrame(loop);
}

$('run').addEventListener('click', () => {
  running = !running;
  $('run').textContent = running ? 'Pause' : 'Train';
  if (running) loop();
});
$('step').addEventListener('click', () => {
  trainer.step();
  draw();
});
$('reset').addEventListener('click', () => {
  running = false;
  $('run').textContent = 'Train';
  reset();
});
for (const [id, preset] of [
  ['preset43', SECTION_43],
  ['preset5', SECTION_5],
] as const) {
  $(id).addEventListener('click', () => {
    writeSettings(preset);
    reset();
  });
}
for (const id of ['lr', 'optimizer', 'activation', 'dropout', 'l2', 'batch', 'layers', 'seed']) {
  $(id).addEventListener('change', reset);
}

/**
 * The test's hook: trains `steps` steps from scratch with `seed` on a provider ('js' by default, for
 * bit-for-bit parity with Node) and returns the batch losses. The page's own kernels are restored.
 */
function trainForTest(
  steps: number,
  seed: number,
  options: { provider?: 'js' | 'gpu'; settings?: Partial<PlaygroundSettings> } = {},
): number[] {
  const provider = options.provider ?? 'js';
  if (provider === 'gpu' && kernels.provider !== 'gpu') throw new Error('gpu.js did not start in this page');
  setProvider(provider);
  try {
    writeSettings({ ...SECTION_43, ...options.settings });
    ($('seed') as HTMLInputElement).value = String(seed);
    trainer = new Trainer({ ...readSettings(), ...options.settings, seed });
    for (let i = 0; i < steps; i++) trainer.step();
    draw();
    return [...trainer.trainLosses];
  } finally {
    setProvider(kernels.provider as 'js' | 'gpu');
  }
}

declare global {
  interface Window {
    tensorgradPlayground: { kernels: typeof kernels; train: typeof trainForTest };
  }
}
window.tensorgradPlayground = { kernels, train: trainForTest };

writeSettings(SECTION_43);
reset();
