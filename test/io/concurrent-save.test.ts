import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Dense, loadModel, Model, saveModel } from '../../src/index.js';

const child = fileURLToPath(new URL('./save-child.ts', import.meta.url));
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'tg-concurrent-'));
  dirs.push(d);
  return d;
};
const running: ChildProcess[] = [];
afterEach(() => {
  for (const c of running.splice(0)) if (c.exitCode === null && c.pid) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function start(args: string[]) {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(proc);
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (err += d));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    proc.on('close', (code) => resolve({ code, out, err })),
  );
  const line = (text: string) =>
    new Promise<void>((resolve) => {
      const check = () => (out.includes(text) ? resolve() : setTimeout(check, 10));
      check();
    });
  return { proc, done, line };
}

const modelWith = (value: number) => {
  const m = new Model([new Dense(4, { inputDim: 3 }), new Dense(1)], { seed: 1 });
  m.setWeights(m.getWeights().map((w) => w.map(() => value)));
  return m;
};

/** What a folder should hold after the saves are over: model.json and its weights file, nothing else. */
function expectOnlyTheModel(dir: string) {
  const files = readdirSync(dir).sort();
  expect(files.length, files.join(', ')).toBe(2);
  expect(files[0]).toBe('model.json');
  expect(files[1]).toMatch(/^weights\.[0-9a-f]{16}-[0-9a-f]{8}\.bin$/);
}

describe('concurrent saves into one folder', () => {
  it('a save that commits after another save swept the folder still names an existing weights file', () => {
    // The interleaving that broke version 1: A writes its weights, B saves in full (and sweeps
    // every weights file model.json does not name, A's included), then A commits.
    const dir = tempDir();
    saveModel(dir, modelWith(1), { metadata: { value: 1 } });
    saveModel(dir, modelWith(2), {
      metadata: { value: 2 },
      beforeCommit: () => saveModel(dir, modelWith(3), { metadata: { value: 3 } }),
    });
    const { model, metadata } = loadModel(dir);
    expect(metadata.value).toBe(2);
    expect(model.getWeights()[0][0]).toBe(2);
    saveModel(dir, modelWith(4), { metadata: { value: 4 } });
    expectOnlyTheModel(dir);
  });

  it('processes racing saves and loads: every load sees a complete model, the last save wins', async () => {
    const dir = tempDir();
    saveModel(dir, modelWith(0), { metadata: { value: 0 } });
    const stop = join(dir, '..', `${dir.split('/').pop()}.stop`);
    dirs.push(stop);
    const readers = [0, 1].map(() => start(['read', dir, stop]));
    const writers = [1, 2, 3, 4].map((w) => start(['write', dir, String(w), '60']));
    const written = await Promise.all(writers.map((w) => w.done));
    writeFileSync(stop, '');
    const read = await Promise.all(readers.map((r) => r.done));
    for (const w of written) expect(w.code, w.err).toBe(0);
    const results = read.map(
      (r) => JSON.parse(r.out) as { loads: number; failures: number; errors: string[] },
    );
    for (const r of results) expect(r, JSON.stringify(r.errors)).toMatchObject({ failures: 0 });
    // The readers overlapped the writers (a reader takes about a millisecond per load).
    expect(results.reduce((s, r) => s + r.loads, 0)).toBeGreaterThan(100);
    const { metadata } = loadModel(dir);
    // The folder holds the last commit, which is some writer's last save (i = 59).
    expect((metadata.value as number) % 10000).toBe(59);
    expectOnlyTheModel(dir);
  }, 120_000);

  it('a save killed before its commit leaves the old model; the next save removes its leftovers', async () => {
    const dir = tempDir();
    saveModel(dir, modelWith(7), { metadata: { value: 7 } });
    const hung = start(['hang', dir]);
    await hung.line('ready');
    // The killed save wrote its pending model.json and its weights file.
    expect(readdirSync(dir).filter((f) => f.startsWith('.tmp-model.json.')).length).toBe(1);
    expect(readdirSync(dir).filter((f) => f.startsWith('weights.')).length).toBe(2);
    hung.proc.kill('SIGKILL');
    await hung.done;
    expect(loadModel(dir).metadata).toEqual({ value: 7 });
    saveModel(dir, modelWith(8), { metadata: { value: 8 } });
    expect(loadModel(dir).metadata).toEqual({ value: 8 });
    expectOnlyTheModel(dir);
  }, 60_000);
});
