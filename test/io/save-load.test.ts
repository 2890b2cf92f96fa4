import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BatchNormalization,
  Dense,
  LayerNormalization,
  loadModel,
  Model,
  saveModel,
  Tensor,
} from '../../src/index.js';
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

// biome-ignore lint/suspicious/noExplicitAny: model.json is edited as untyped JSON here
type Json = any;
const readDoc = (dir: string): Json => JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
const writeDoc = (dir: string, doc: Json) =>
  writeFileSync(join(dir, 'model.json'), JSON.stringify(doc, null, 2));

/** A saved model folder and its model.json as written. */
function saved(metadata: Record<string, unknown> = { threshold: 0.42 }) {
  const dir = tempDir();
  const model = trained(1);
  saveModel(dir, model, { preprocessing, metadata });
  return { dir, model, doc: readDoc(dir) };
}

describe('saveModel / loadModel', () => {
  it('model.save(dir) writes what saveModel writes; loadModel(dir).model is the way back', () => {
    const model = trained(3);
    const a = tempDir();
    const b = tempDir();
    model.save(a, { metadata: { note: 'method' } });
    saveModel(b, model, { metadata: { note: 'method' } });
    const [docA, docB] = [readDoc(a), readDoc(b)];
    expect(docA.model).toEqual(docB.model);
    expect(docA.weights.sha256).toBe(docB.weights.sha256);
    const { model: back, metadata } = loadModel(a);
    expect(metadata).toEqual({ note: 'method' });
    expect(back.predict(xt).data).toEqual(model.predict(xt).data);
  });

  it('round-trips BatchNormalization and LayerNormalization: gamma, beta and the moving statistics', () => {
    const model = new Model(
      [
        new Dense(8, { activation: 'relu' }),
        new BatchNormalization({ momentum: 0.9, epsilon: 0.01 }),
        new LayerNormalization({ center: false }),
        new Dense(1, { activation: 'sigmoid' }),
      ],
      { seed: 2 },
    );
    model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    model.fit(xt, y, { epochs: 2, verbose: 0 });
    const dir = tempDir();
    model.save(dir);
    const doc = readDoc(dir);
    expect(doc.model.layers[1]).toEqual({
      type: 'BatchNormalization',
      name: 'batch_normalization',
      epsilon: 0.01,
      center: true,
      scale: true,
      momentum: 0.9,
    });
    expect(doc.weights.tensors.map((t: Json) => t.name)).toEqual([
      'dense/kernel',
      'dense/bias',
      'batch_normalization/gamma',
      'batch_normalization/beta',
      'batch_normalization/moving_mean',
      'batch_normalization/moving_variance',
      'layer_normalization/gamma',
      'dense_1/kernel',
      'dense_1/bias',
    ]);
    const back = loadModel(dir).model;
    expect(back.getWeights()).toEqual(model.getWeights());
    expect(back.predict(xt).data).toEqual(model.predict(xt).data);
    expect(back.summary()).toBe(model.summary());
    expect(back.summary()).toMatch(/Non-trainable params: 16\n/);
  });

  it('round-trips architecture, weights, preprocessing and metadata; predictions are identical', () => {
    const { dir, model, doc } = saved();
    const loaded = loadModel(dir);
    expect(loaded.preprocessing).toEqual(preprocessing);
    expect(loaded.metadata).toEqual({ threshold: 0.42 });
    expect(loaded.model.summary()).toBe(model.summary());
    expect(loaded.model.predict(xt).data).toEqual(model.predict(xt).data);
    expect([doc.format, doc.version]).toEqual(['tensorgrad-model', 2]);
    expect(doc.weights.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(doc.checksum.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(doc.weights.file).toMatch(/^weights\.[0-9a-f]{16}-[0-9a-f]{8}\.bin$/);
  });

  it('refuses a corrupted, truncated or missing weights file and a wrong version, saying which', () => {
    const { dir, doc } = saved();
    const wpath = join(dir, doc.weights.file);
    const bytes = readFileSync(wpath);
    bytes[10] ^= 0xff;
    writeFileSync(wpath, bytes);
    expect(() => loadModel(dir)).toThrow(/checksum mismatch for .*weights\..*\.bin/);
    writeFileSync(wpath, bytes.subarray(0, 100));
    expect(() => loadModel(dir)).toThrow(/has 100 bytes but model.json expects 11268 \(truncated\?\)/);
    rmSync(wpath);
    expect(() => loadModel(dir)).toThrow(/weights file .* is missing/);
    writeDoc(dir, { ...doc, version: 3 });
    expect(() => loadModel(dir)).toThrow(
      /format version 3; this tensorgrad reads version 2 \(and 1 on request\)/,
    );
    writeFileSync(join(dir, 'model.json'), '{"format": "tensorgrad-mo');
    expect(() => loadModel(dir)).toThrow(/is not valid JSON/);
    writeFileSync(join(dir, 'model.json'), '{"format": "keras"}');
    expect(() => loadModel(dir)).toThrow(/is not a tensorgrad model \(format 'keras'\)/);
    writeFileSync(join(dir, 'model.json'), '[1, 2]');
    expect(() => loadModel(dir)).toThrow(/is not a tensorgrad model \(it holds \[1,2\], not an object\)/);
    expect(() => loadModel(join(dir, 'nowhere'))).toThrow(/the folder .*nowhere does not exist/);
    rmSync(join(dir, 'model.json'));
    expect(() => loadModel(dir)).toThrow(/no model.json in/);
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
    // The next successful save replaces it and removes the old weights and the leftover.
    saveModel(dir, trained(2), { metadata: { which: 'new' } });
    expect(loadModel(dir).metadata).toEqual({ which: 'new' });
    expect(readdirSync(dir).sort()).toEqual([readDoc(dir).weights.file, 'model.json'].sort());
  });

  it('refuses an unbuilt model', () => {
    const m = new Model([new Dense(2), new Dense(1)]);
    expect(() => saveModel(tempDir(), m)).toThrow(/the model is not built/);
  });

  it('refuses values JSON would silently change, naming where they are, and writes nothing', () => {
    const dir = tempDir();
    const m = trained(1);
    const cases: Array<[object, RegExp]> = [
      [{ preprocessing: { std: [1, Number.POSITIVE_INFINITY] } }, /preprocessing\.std\[1\] is Infinity/],
      [{ preprocessing: { mean: Number.NaN } }, /preprocessing\.mean is NaN, which JSON cannot hold/],
      [
        { preprocessing: { mean: new Float32Array(2) } },
        /preprocessing\.mean is a Float32Array.*Array\.from/,
      ],
      [{ metadata: { threshold: Number.NaN } }, /metadata\.threshold is NaN/],
      [{ metadata: { when: new Map() } }, /metadata\.when is a Map, not plain JSON data/],
      [{ metadata: [1] }, /metadata must be an object/],
    ];
    for (const [options, message] of cases) expect(() => saveModel(dir, m, options)).toThrow(message);
    m.network.parameters()[0].data[3] = Number.NaN;
    expect(() => saveModel(dir, m)).toThrow(
      /dense\/kernel holds a non-finite value \(NaN\) at index 3; nothing was written/,
    );
    expect(readdirSync(dir)).toEqual([]);
    writeFileSync(join(dir, 'file'), '');
    expect(() => saveModel(join(dir, 'file'), trained(1))).toThrow(
      /saveModel: cannot create the folder .*file/,
    );
  });
});

describe('whole-model integrity (model.json is covered by the checksum)', () => {
  const edits: Array<[string, (doc: Json) => void]> = [
    ['the threshold', (d) => (d.metadata.threshold = 0.9)],
    ['an offset', (d) => (d.weights.tensors[1].offset = 0)],
    ['a shape', (d) => (d.weights.tensors[1].shape = [32])],
    ['a preprocessing value', (d) => (d.preprocessing.scaler.mean[0] = 1.5)],
    ['an activation', (d) => (d.model.layers[0].activation = 'tanh')],
    ['a dropout rate', (d) => (d.model.layers[1].rate = 0)],
    ['the weights checksum', (d) => (d.weights.sha256 = 'f'.repeat(64))],
    ['an added key', (d) => (d.metadata.extra = true)],
  ];
  it.each(edits)('refuses an edited model.json: %s', (_what, edit) => {
    const { dir, doc } = saved();
    edit(doc);
    writeDoc(dir, doc);
    expect(() => loadModel(dir)).toThrow(
      /model\.json was changed after it was saved: its checksum is [0-9a-f]{64}/,
    );
  });

  it('accepts the same content reformatted (the checksum is over canonical JSON)', () => {
    const { dir, doc } = saved();
    writeFileSync(join(dir, 'model.json'), JSON.stringify(doc));
    expect(loadModel(dir).metadata).toEqual({ threshold: 0.42 });
    const reordered = Object.fromEntries(Object.entries(doc).reverse());
    writeDoc(dir, reordered);
    expect(loadModel(dir).metadata).toEqual({ threshold: 0.42 });
  });

  /** Every key path of a JSON value, parents before children. */
  function keyPaths(v: Json, path: string[] = []): string[][] {
    if (v === null || typeof v !== 'object') return [];
    const out: string[][] = [];
    for (const k of Object.keys(v)) {
      out.push([...path, k], ...keyPaths(v[k], [...path, k]));
    }
    return out;
  }
  const show = (p: string[]) =>
    p.map((k, i) => (/^\d+$/.test(k) ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');

  it('a missing key is named (never "Cannot read properties of undefined"), for every key of model.json', () => {
    const { dir, doc } = saved();
    // Keys a loader does not need (optional layer settings, free-form contents) are still covered
    // by the checksum; checksum.covers is a note to the reader of the file and is not.
    const optional = /^(model\.layers\[\d+\]\.(l2|inputDim)|preprocessing\..*|metadata\..*)$/;
    let named = 0;
    for (const path of keyPaths(doc)) {
      if (/^\d+$/.test(path[path.length - 1])) continue; // array items are not keys
      const copy = structuredClone(doc);
      let parent = copy;
      for (const k of path.slice(0, -1)) parent = parent[k];
      delete parent[path[path.length - 1]];
      writeDoc(dir, copy);
      let message = '';
      try {
        loadModel(dir);
      } catch (err) {
        message = (err as Error).message;
      }
      const name = show(path);
      expect(message, name).not.toMatch(/Cannot read|undefined is not|is not a function/);
      if (name === 'checksum.covers') expect(message, name).toBe('');
      else if (optional.test(name)) expect(message, name).toMatch(/was changed after it was saved/);
      else {
        expect(message, name).toContain(`key '${name}' is missing`);
        named++;
      }
    }
    expect(named).toBeGreaterThan(30);
  });

  it('wrong types are named with the value found', () => {
    const { dir, doc } = saved();
    const cases: Array<[(d: Json) => void, string]> = [
      [(d) => (d.weights.tensors = 'x'), `'weights.tensors' must be an array, got "x"`],
      [
        (d) => (d.weights.tensors[2].offset = -4),
        `'weights.tensors[2].offset' must be an integer >= 0, got -4`,
      ],
      [
        (d) => (d.weights.tensors[0].shape = [10, 0]),
        `'weights.tensors[0].shape[1]' must be an integer >= 1, got 0`,
      ],
      [(d) => (d.model.inputDim = '10'), `'model.inputDim' must be an integer >= 1, got "10"`],
      [(d) => (d.model.dtype = 'int8'), `'model.dtype' must be one of 'float32', 'float64', got "int8"`],
      [
        (d) => (d.weights.file = '../../etc/passwd'),
        `'weights.file' has an unexpected value "../../etc/passwd"`,
      ],
      [
        (d) => (d.model.layers[0].units = 'many'),
        `key 'model.layers[0].units' must be a finite number, got "many"`,
      ],
      [(d) => (d.model.layers[0].useBias = 1), `key 'model.layers[0].useBias' must be true or false, got 1`],
      [(d) => (d.model.layers[2] = null), `'model.layers[2]' must be an object, got null`],
      [(d) => (d.model = 3), `'model' must be an object, got 3`],
    ];
    for (const [edit, message] of cases) {
      const copy = structuredClone(doc);
      edit(copy);
      writeDoc(dir, copy);
      expect(() => loadModel(dir)).toThrow(message);
    }
  });
});

describe('format version 1 (before model.json had a checksum)', () => {
  /** The folder as version 1 wrote it: no checksum, weights.<hash>.bin. */
  function version1() {
    const { dir, model, doc } = saved();
    const { checksum: _dropped, ...v1 } = doc;
    const file = `weights.${doc.weights.sha256.slice(0, 16)}.bin`;
    renameSync(join(dir, doc.weights.file), join(dir, file));
    writeDoc(dir, { ...v1, version: 1, weights: { ...v1.weights, file } });
    return { dir, model };
  }

  it('is refused by default with a message that says why and how to re-save it', () => {
    const { dir } = version1();
    expect(() => loadModel(dir)).toThrow(
      /has format version 1, whose checksum covers the weights but not model\.json itself .* re-save it once in version 2: node --input-type=module -e "import \{ loadModel, saveModel \} from 'tensorgrad'; const m = loadModel\('.*', \{ acceptVersion1: true \}\)/,
    );
  });

  it('loads with acceptVersion1 (keys still checked) and re-saves as version 2', () => {
    const { dir, model } = version1();
    const old = loadModel(dir, { acceptVersion1: true });
    expect(old.model.predict(xt).data).toEqual(model.predict(xt).data);
    saveModel(dir, old.model, { preprocessing: old.preprocessing, metadata: old.metadata });
    expect(readDoc(dir).version).toBe(2);
    expect(loadModel(dir).metadata).toEqual({ threshold: 0.42 });
    // The version 1 weights file is swept with the rest.
    expect(readdirSync(dir).filter((f) => f.startsWith('weights.')).length).toBe(1);
    const doc = readDoc(dir);
    delete doc.checksum;
    delete doc.weights.bytes;
    writeDoc(dir, { ...doc, version: 1 });
    expect(() => loadModel(dir, { acceptVersion1: true })).toThrow(/key 'weights\.bytes' is missing/);
  });
});
