import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Dense, loadModel, Model, saveModel, Tensor } from '../../src/index.js';
import { seedModel } from '../helpers/seed-model.js';
import { nonlinearProblem } from '../training/helpers.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'tg-io-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const { x, y } = nonlinearProblem(200, 5);
const xt = new Tensor(x, [200, 10]);
const trained = (seed: number) => {
  const m = seedModel({ seed: seed });
  m.fit(xt, y, { epochs: 2, verbose: 0, seed });
  return m;
};
const preprocessing = { scaler: { mean: [1, 2], std: [3, 4] }, columns: ['a', 'b'] };

describe('saveModel / loadModel', () => {
  it('round-trips architecture, weights, preprocessing and metadata; predictions are identical', () => {
    const dir = tempDir();
    const model = trained(1);
    saveModel(dir, model, { preprocessing, metadata: { threshold: 0.42 } });
    const loaded = loadModel(dir);
    expect(loaded.preprocessing).toEqual(preprocessing);
    expect(loaded.metadata).toEqual({ threshold: 0.42 });
    expect(loaded.model.summary()).toBe(model.summary());
    expect(loaded.model.predict(xt).data).toEqual(model.predict(xt).data);
    const doc = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect([doc.format, doc.version]).toEqual(['tensorgrad-model', 1]);
    expect(doc.weights.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a corrupted, truncated or missing weights file and a wrong version, saying which', () => {
    const dir = tempDir();
    saveModel(dir, trained(1));
    const doc = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const wpath = join(dir, doc.weights.file);
    const bytes = readFileSync(wpath);
    bytes[10] ^= 0xff;
    writeFileSync(wpath, bytes);
    expect(() => loadModel(dir)).toThrow(/checksum mismatch for .*weights\..*\.bin/);
    writeFileSync(wpath, bytes.subarray(0, 100));
    expect(() => loadModel(dir)).toThrow(/has 100 bytes but model.json expects 11268 \(truncated\?\)/);
    rmSync(wpath);
    expect(() => loadModel(dir)).toThrow(/weights file .* is missing/);
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...doc, version: 2 }));
    expect(() => loadModel(dir)).toThrow(/format version 2; this tensorgrad reads version 1/);
    writeFileSync(join(dir, 'model.json'), '{"format": "tensorgrad-mo');
    expect(() => loadModel(dir)).toThrow(/is not valid JSON/);
    writeFileSync(join(dir, 'model.json'), '{"format": "keras"}');
    expect(() => loadModel(dir)).toThrow(/is not a tensorgrad model \(format 'keras'\)/);
    expect(() => loadModel(join(dir, 'nowhere'))).toThrow(/no model.json in/);
  });

  it('a crash in the middle of a save leaves the previous model intact', () => {
    const dir = tempDir();
    const oldModel = trained(1);
    saveModel(dir, oldModel, { metadata: { which: 'old' } });
    const crash = () => {
      throw new Error('simulated crash');
    };
    expect(() => saveModel(dir, trained(2), { metadata: { which: 'new' }, beforeCommit: crash })).toThrow(
      'simulated crash',
    );
    // A crashed process also leaves its temporary file behind: loading must not care.
    writeFileSync(join(dir, '.tmp-model.json.abc123'), '{"format": "tensorgrad-model", "ver');
    const loaded = loadModel(dir);
    expect(loaded.metadata).toEqual({ which: 'old' });
    expect(loaded.model.predict(xt).data).toEqual(oldModel.predict(xt).data);
    // The next successful save replaces it and removes the old weights file.
    saveModel(dir, trained(2), { metadata: { which: 'new' } });
    expect(loadModel(dir).metadata).toEqual({ which: 'new' });
    expect(readdirSync(dir).filter((f) => f.startsWith('weights.')).length).toBe(1);
  });

  it('refuses an unbuilt model', () => {
    const m = new Model([new Dense(2), new Dense(1)]);
    expect(() => saveModel(tempDir(), m)).toThrow(/the model is not built/);
  });
});
