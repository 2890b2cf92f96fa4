import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Dtype } from '../kernels/types.js';
import type { LayerConfig } from '../nn/module.js';
import { checkOptions, knownOptions } from '../options.js';
import { Model } from '../training/model.js';
import { writeFileAtomic } from './atomic.js';
import { layerFromConfig } from './layers.js';

export const MODEL_FORMAT = 'tensorgrad-model';
export const MODEL_VERSION = 1;
export const MODEL_FILE = 'model.json';

export interface SaveOptions {
  /** The fitted preprocessing (opaque JSON, e.g. the data layer's pipeline), stored as given. */
  preprocessing?: unknown;
  /** Free-form JSON: metrics, threshold, training settings... */
  metadata?: Record<string, unknown>;
  /** Test seam: runs after the new files are written, before model.json is replaced. */
  beforeCommit?: () => void;
}

const SAVE_OPTIONS = knownOptions<SaveOptions>({ preprocessing: true, metadata: true, beforeCommit: true });

export interface SavedTensor {
  name: string;
  shape: number[];
  /** Offset in elements into the weights file. */
  offset: number;
}

export interface ModelFile {
  format: typeof MODEL_FORMAT;
  version: number;
  createdAt: string;
  model: { name: string; dtype: Dtype; inputDim: number; layers: LayerConfig[] };
  weights: {
    file: string;
    bytes: number;
    sha256: string;
    dtype: Dtype;
    byteOrder: 'little';
    tensors: SavedTensor[];
  };
  preprocessing: unknown;
  metadata: Record<string, unknown>;
}

export interface LoadedModel {
  model: Model;
  preprocessing: unknown;
  metadata: Record<string, unknown>;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * Saves architecture and weights (not the optimizer state) into `dir`: model.json plus
 * weights.<hash>.bin. The weights file is named by its checksum and written first; model.json,
 * replaced atomically, is the commit point. A crash at any moment leaves the previous model.json
 * pointing at its own, still present, weights file. Stale weights files are removed afterwards.
 */
export function saveModel(dir: string, model: Model, options: SaveOptions = {}): void {
  checkOptions('saveModel', options, SAVE_OPTIONS);
  const net = model.network;
  if (net.inputDim === null)
    throw new Error('saveModel: the model is not built; fit it or call build(inputDim)');
  const named = net.namedParameters();
  const dtype = net.dtype;
  const itemBytes = dtype === 'float64' ? 8 : 4;
  let total = 0;
  for (const [, p] of named) total += p.size;
  const flat = dtype === 'float64' ? new Float64Array(total) : new Float32Array(total);
  const tensors: SavedTensor[] = [];
  let offset = 0;
  for (const [name, p] of named) {
    flat.set(p.data, offset);
    tensors.push({ name, shape: [...p.shape], offset });
    offset += p.size;
  }
  const bytes = new Uint8Array(flat.buffer, 0, total * itemBytes);
  const hash = sha256(bytes);
  const weightsFile = `weights.${hash.slice(0, 16)}.bin`;
  const doc: ModelFile = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    createdAt: new Date().toISOString(),
    model: { name: net.name, dtype, inputDim: net.inputDim, layers: net.layers.map((l) => l.config()) },
    weights: { file: weightsFile, bytes: bytes.length, sha256: hash, dtype, byteOrder: 'little', tensors },
    preprocessing: options.preprocessing ?? null,
    metadata: options.metadata ?? {},
  };
  const json = `${JSON.stringify(doc, null, 2)}\n`;
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, weightsFile), bytes);
  writeFileAtomic(join(dir, MODEL_FILE), json, options.beforeCommit);
  for (const f of readdirSync(dir)) {
    if (/^weights\.[0-9a-f]{16}\.bin$/.test(f) && f !== weightsFile) rmSync(join(dir, f), { force: true });
  }
}

/** Reads a model saved by saveModel, verifying format, version, size and checksum. */
export function loadModel(dir: string): LoadedModel {
  const path = join(dir, MODEL_FILE);
  if (!existsSync(path)) throw new Error(`loadModel: no ${MODEL_FILE} in ${dir}`);
  let doc: ModelFile;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`loadModel: ${path} is not valid JSON (truncated or edited?): ${(err as Error).message}`);
  }
  if (doc?.format !== MODEL_FORMAT) {
    throw new Error(`loadModel: ${path} is not a tensorgrad model (format '${String(doc?.format)}')`);
  }
  if (doc.version !== MODEL_VERSION) {
    throw new Error(
      `loadModel: ${path} has format version ${doc.version}; this tensorgrad reads version ${MODEL_VERSION}`,
    );
  }
  const w = doc.weights;
  const wpath = join(dir, w.file);
  if (!existsSync(wpath)) throw new Error(`loadModel: the weights file ${wpath} named in ${path} is missing`);
  const bytes = readFileSync(wpath);
  if (bytes.length !== w.bytes) {
    throw new Error(
      `loadModel: ${wpath} has ${bytes.length} bytes but ${MODEL_FILE} expects ${w.bytes} (truncated?)`,
    );
  }
  const actual = sha256(bytes);
  if (actual !== w.sha256) {
    throw new Error(
      `loadModel: checksum mismatch for ${wpath}: sha256 ${actual}, expected ${w.sha256} (corrupted?)`,
    );
  }
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const values = w.dtype === 'float64' ? new Float64Array(copy.buffer) : new Float32Array(copy.buffer);
  const layers = doc.model.layers.map((c) => layerFromConfig(c, 'loadModel'));
  const model = new Model(layers, { name: doc.model.name, dtype: doc.model.dtype, seed: 0 });
  model.build(doc.model.inputDim);
  const named = model.network.namedParameters();
  if (named.length !== w.tensors.length) {
    throw new Error(
      `loadModel: the architecture has ${named.length} weight arrays, the file ${w.tensors.length}`,
    );
  }
  named.forEach(([name, p], i) => {
    const t = w.tensors[i];
    if (t.name !== name || t.shape.join() !== p.shape.join()) {
      throw new Error(
        `loadModel: weight ${i} is ${t.name} [${t.shape}] in the file, the model has ${name} [${p.shape}]`,
      );
    }
    p.data.set(values.subarray(t.offset, t.offset + p.size));
  });
  model.network.eval();
  return { model, preprocessing: doc.preprocessing, metadata: doc.metadata ?? {} };
}
