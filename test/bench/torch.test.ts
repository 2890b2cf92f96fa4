import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GemmRow } from '../../bench/lib/gemm-bench.js';
import { gemmTable, torchVsNativeLines, trainingTable } from '../../bench/lib/report.js';
import {
  PEER_MALLOC_ENV,
  parseReply,
  peerEnv,
  samplesOf,
  startTorchPeer,
  TORCH_INSTALL_HINT,
  torchDisabled,
  torchPython,
} from '../../bench/lib/torch.js';
import type { TrainingRow } from '../../bench/lib/training-bench.js';
import { makeData } from '../../bench/lib/training-bench.js';

// The PyTorch peer of `npm run bench`. CI has no torch: everything but the last block runs without
// it (a Node stand-in speaks the protocol); the smoke test runs where python3-torch is installed.
const fake = join(__dirname, 'fixtures', 'fake-torch-peer.mjs');
const startFake = (mode: string, startTimeoutMs?: number) =>
  startTorchPeer({
    python: process.execPath,
    script: fake,
    env: { ...process.env, FAKE_PEER_MODE: mode },
    ...(startTimeoutMs ? { startTimeoutMs } : {}),
  });
const scratch = mkdtempSync(join(tmpdir(), 'tensorgrad-torch-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('torch peer protocol', () => {
  it('parses replies and names what is wrong with a bad line', () => {
    expect(parseReply('{"id": 3, "ok": true, "handle": 1}')).toEqual({ id: 3, ok: true, handle: 1 });
    expect(parseReply('{"id": 4, "ok": false, "error": "KeyError: 7"}')).toEqual({
      id: 4,
      ok: false,
      error: 'KeyError: 7',
    });
    expect(() => parseReply('Traceback (most recent call last):')).toThrow(/not a JSON line: "Traceback/);
    expect(() => parseReply('[1, 2]')).toThrow(/expected a JSON object, got \[1,2\]/);
    expect(() => parseReply('{"ok": true}')).toThrow(/without a numeric id/);
  });
  it('accepts only positive samples in a measure reply', () => {
    expect(samplesOf({ samples: [0.1, 0.2], cpuPerWall: 1.9 })).toEqual({
      samples: [0.1, 0.2],
      cpuPerWall: 1.9,
    });
    expect(samplesOf({ samples: [0.1], loss: 0.6 }).loss).toBe(0.6);
    for (const bad of [undefined, [], [0.1, 0], [0.1, 'x']]) {
      expect(() => samplesOf({ samples: bad })).toThrow(/positive samples/);
    }
  });
  it('picks Debian python unless told, and can be turned off', () => {
    expect(torchPython({ TENSORGRAD_BENCH_PYTHON: '/opt/py/bin/python' })).toBe('/opt/py/bin/python');
    expect(torchPython({})).toMatch(/python3$/);
    expect(torchDisabled({ TENSORGRAD_BENCH_TORCH: '0' })).toMatch(/skipped/);
    expect(torchDisabled({})).toBeNull();
  });
});

describe('torch peer environment', () => {
  it('waits passively between parallel regions unless the user chose a policy', () => {
    expect(peerEnv({ PATH: '/bin' })).toEqual({
      PATH: '/bin',
      OMP_WAIT_POLICY: 'PASSIVE',
      ...PEER_MALLOC_ENV,
    });
    expect(peerEnv({ OMP_WAIT_POLICY: 'ACTIVE' }).OMP_WAIT_POLICY).toBe('ACTIVE');
    expect(peerEnv({ MALLOC_MMAP_THRESHOLD_: '4096' }).MALLOC_MMAP_THRESHOLD_).toBe('4096');
  });
});

describe('torch peer absent: a reason, never numbers', () => {
  it('names a missing interpreter', async () => {
    const r = await startTorchPeer({ python: join(scratch, 'no-such-python') });
    expect(r.peer).toBeUndefined();
    expect(r.absent).toMatch(/cannot start .*no-such-python.*ENOENT/);
  });
  it('says how to install torch when it does not import', async () => {
    const r = await startFake('no-torch');
    expect(r.absent).toBe(
      `python3-torch not importable by ${process.execPath} (ModuleNotFoundError: No module named 'torch'): ${TORCH_INSTALL_HINT}`,
    );
  });
  it('reports an interpreter that dies, writes something else, or never answers', async () => {
    expect((await startFake('die')).absent).toMatch(/exited \(code 1\): fatal: libtorch_cpu\.so/);
    expect((await startFake('garbage')).absent).toMatch(
      /wrote "Python 3\.11 says hello" instead of its ready line/,
    );
    expect((await startFake('silent', 300)).absent).toMatch(/did not import torch within 0\.3 s/);
  });
  it('in a real python without torch (a shadowing torch module that fails to import)', async () => {
    const python = torchPython();
    if (spawnSync(python, ['--version']).status !== 0) return; // no python at all: covered above
    const dir = mkdtempSync(join(scratch, 'py-'));
    writeFileSync(join(dir, 'torch.py'), 'raise ImportError("No module named \'torch\'")\n');
    const r = await startTorchPeer({ python, env: { ...process.env, PYTHONPATH: dir } });
    expect(r.absent).toMatch(
      /python3-torch not importable by .*ImportError: No module named 'torch'.*apt-get install python3-torch/,
    );
  });
  it('the training table says absent for torch rows, and gives no torch ratio', () => {
    const base = { model: 'seed' as const, rowsPerCall: 32, stats: null };
    const rows: TrainingRow[] = [
      { ...base, provider: 'native', threads: 1, variant: 'fit', samplesPerSec: 100_000, cpuPerWall: 0.987 },
      {
        ...base,
        provider: 'torch',
        threads: 1,
        variant: 'loop',
        samplesPerSec: null,
        skipped: 'absent: why',
      },
    ];
    const lines = trainingTable(rows).split('\n');
    expect(lines[0]).toMatch(/threads\s+cpu\/wall\s+variant.*x torch$/);
    expect(lines[1]).toMatch(/^seed\s+native\s+1\s+0\.99\s+fit\s+100,000\s+-\s+-\s+-$/);
    expect(lines[2]).toMatch(/^seed\s+torch\s+1\s+-\s+loop\s+absent.*\(absent: why\)$/);
    expect(lines).toHaveLength(3);
  });
});

describe('torch in the report', () => {
  const gemm = (kernel: string, threads: number, gflops: number): GemmRow => ({
    kernel,
    threads,
    label: `${kernel} x${threads}`,
    dtype: 'float32',
    shape: '1024^3',
    group: 'square',
    m: 1024,
    n: 1024,
    k: 1024,
    transA: false,
    transB: false,
    gflops,
    stats: null,
  });
  it('gives an absent torch its gemm column and the reason, and no torch ratios', () => {
    const table = gemmTable(
      [gemm('native', 1, 80)],
      [{ kernel: 'torch', label: 'torch', reason: 'not here' }],
    );
    expect(table.split('\n')[0]).toMatch(/native x1\s+torch$/);
    expect(table).toMatch(/1024\^3\s+80\.0\s+absent/);
    expect(table).toContain('torch absent: not here');
    expect(table).not.toContain('ratio to torch.mm');
  });
  it('divides by torch.mm at the same thread count only', () => {
    const rows = [gemm('native', 1, 90), gemm('native', 2, 150), gemm('torch', 1, 60), gemm('js', 1, 1)];
    const lines = gemmTable(rows).split('\n');
    const at = lines.findIndex((l) => l.startsWith('ratio to torch.mm (same threads)'));
    expect(lines[at + 1]).toMatch(/^1024\^3\s+1\.50x\s+-\s+1\.00x\s+0\.02x$/);
  });
  it('prints native against torch per thread count with the goal of each model', () => {
    const base = { rowsPerCall: 256, stats: null };
    const rows: TrainingRow[] = [
      { ...base, model: 'seed', provider: 'native', threads: 1, variant: 'fit', samplesPerSec: 160_000 },
      { ...base, model: 'seed', provider: 'torch', threads: 1, variant: 'loop', samplesPerSec: 40_000 },
      { ...base, model: 'wide', provider: 'native', threads: 2, variant: 'fit', samplesPerSec: 7_000 },
      { ...base, model: 'wide', provider: 'torch', threads: 1, variant: 'loop', samplesPerSec: 5_000 },
      { ...base, model: 'wide', provider: 'torch', threads: 2, variant: 'loop', samplesPerSec: 5_000 },
    ];
    expect(torchVsNativeLines(rows)).toEqual([
      'seed training, 1 thread(s) each: native 160,000 vs torch 40,000 samples/s = 4.00x (goal >= 4x: met)',
      'wide training, 2 thread(s) each: native 7,000 vs torch 5,000 samples/s = 1.40x (goal >= 1.5x: not met)',
    ]);
    expect(trainingTable(rows).split('\n')[3]).toMatch(
      /^wide\s+native\s+2\s+-\s+fit\s+7,000\s+-\s+-\s+1\.40x$/,
    );
  });
});

describe('torch peer client over the protocol', () => {
  it('sets up, measures at a thread count, reports errors and a crash', async () => {
    const { peer } = await startFake('ok');
    if (!peer) throw new Error('the fake peer did not start');
    try {
      expect(peer.info.torch).toBe('0.0-fake');
      const h = await peer.setupMm({ m: 8, n: 4, k: 2, transA: false, transB: true });
      expect(h).toBe(8);
      expect(await peer.measure(h, 2, { maxTime: 0.1, minSamples: 2 })).toEqual({
        samples: [0.002, 0.002],
        cpuPerWall: 2,
        loss: 0.5,
      });
      await expect(peer.measure(13, 1, { maxTime: 0.1, minSamples: 2 })).rejects.toThrow(/positive samples/);
      await peer.dispose(h);
      const train = { widths: [10, 1], dropout: 0.5, batch: 32, xPath: 'x.f32', yPath: 'y.f32' };
      await expect(peer.setupTraining({ ...train, rows: 0 })).rejects.toThrow(
        'torch peer setup_train: ValueError: x.f32: expected 10 float32 values',
      );
      expect(await peer.setupTraining({ ...train, rows: 64 })).toBe(99);
      await expect(peer.measure(66, 1, { maxTime: 0.1, minSamples: 2 })).rejects.toThrow(
        /torch peer exited \(code 3\): segmentation fault \(pretend\)/,
      );
      await expect(peer.measure(h, 1, { maxTime: 0.1, minSamples: 2 })).rejects.toThrow(/exited/);
    } finally {
      peer.close();
    }
  });
});

const torchAvailable = spawnSync(torchPython(), ['-c', 'import torch'], { timeout: 60_000 }).status === 0;

describe.skipIf(!torchAvailable)('torch peer with python3-torch installed', () => {
  it('times one torch.mm shape and two batches of the seed model at 1 thread', async () => {
    const { peer, absent } = await startTorchPeer();
    if (!peer) throw new Error(`torch is importable but the peer is absent: ${absent}`);
    try {
      expect(peer.info.torch).toMatch(/^\d+\.\d+/);
      const mm = await peer.setupMm({ m: 16, n: 8, k: 4, transA: true, transB: false });
      const s = await peer.measure(mm, 1, { maxTime: 0, minSamples: 2 });
      expect(s.samples.length).toBeGreaterThanOrEqual(2);
      expect(s.cpuPerWall).toBeGreaterThan(0);
      const data = makeData(10, 64);
      writeFileSync(join(scratch, 'x.f32'), new Uint8Array(data.x.buffer));
      writeFileSync(join(scratch, 'y.f32'), new Uint8Array(data.y.buffer));
      const base = { widths: [10, 64, 32, 1], dropout: 0.5, batch: 32, rows: 64 };
      const h = await peer.setupTraining({
        ...base,
        xPath: join(scratch, 'x.f32'),
        yPath: join(scratch, 'y.f32'),
      });
      const t = await peer.measure(h, 1, { maxTime: 0, minSamples: 1 });
      expect(t.samples.length).toBeGreaterThanOrEqual(1);
      expect(t.loss).toBeGreaterThan(0);
      expect(t.loss).toBeLessThan(2);
      // The rows are checked against the size the bench says it wrote.
      await expect(
        peer.setupTraining({
          ...base,
          rows: 65,
          xPath: join(scratch, 'x.f32'),
          yPath: join(scratch, 'y.f32'),
        }),
      ).rejects.toThrow(/expected 650 float32 values, found 640/);
    } finally {
      peer.close();
    }
  }, 60_000);
});
