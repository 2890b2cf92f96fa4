import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { QuantizedDense } from '../nn/quantized-dense.js';
import { checkOptions, knownOptions } from '../options.js';
import { Model, setModelSaver } from '../training/model.js';
import { fsyncDirectory, TEMP_PREFIX, tempName, writeDurable, writeFileAtomic } from './atomic.js';
import { checkJsonValue } from './json-value.js';
import { layerFromConfig } from './layers.js';
import {
  CHECKSUM_COVERS,
  documentChecksum,
  MODEL_FILE,
  MODEL_FORMAT,
  MODEL_VERSION,
  type ModelFile,
  readModelFile,
  type SavedTensor,
  sha256Hex,
  verifyChecksum,
  WEIGHTS_FILE_PATTERN,
} from './model-file.js';
import { ownerMayBeAlive, ownerOf } from './owner.js';

export { MODEL_FILE, MODEL_FORMAT, MODEL_VERSION, type ModelFile, type SavedTensor } from './model-file.js';

export interface SaveOptions {
  /** The fitted preprocessing (plain JSON, e.g. the data layer's pipeline), stored as given. */
  preprocessing?: unknown;
  /** Free-form plain JSON: metrics, threshold, training settings... */
  metadata?: Record<string, unknown>;
  /** Test seam: runs after the new files are written, before model.json is replaced. */
  beforeCommit?: () => void;
}

export interface LoadOptions {
  /**
   * Also read format version 1, whose model.json is not covered by a checksum (only its weights
   * are). Meant for re-saving such a model once in the current version.
   */
  acceptVersion1?: boolean;
}

export interface LoadedModel {
  model: Model;
  preprocessing: unknown;
  metadata: Record<string, unknown>;
}

const SAVE_OPTIONS = knownOptions<SaveOptions>({ preprocessing: true, metadata: true, beforeCommit: true });
const LOAD_OPTIONS = knownOptions<LoadOptions>({ acceptVersion1: true });

/** How many times a reader starts over when a concurrent save replaced the model under it. */
const LOAD_ATTEMPTS = 20;

/*
 * Saving into a folder that other processes read and save into at the same time.
 *
 * A saved model is model.json plus the weights file it names. Every save writes a weights file of
 * its own (weights.<sha256 prefix>-<random>.bin, never rewritten), and model.json, replaced by one
 * rename, is the commit point, so a reader that gets model.json also gets a weights file that was
 * complete before model.json named it. The steps of a save:
 *
 *   1. write the new model.json in full to a temporary file .tmp-model.json.<host>-<pid>.<random>:
 *      it is also the record "a save by this process will commit weights file W";
 *   2. write W (through its own temporary file and a rename);
 *   3. rename the temporary model.json over model.json (the commit);
 *   4. sweep: delete the weights files nobody needs and the temporary files of dead writers.
 *
 * The sweep lists the weights files first, then (in a second listing) the pending records, then
 * reads model.json, and deletes a weights file only if no pending record of a live writer and not
 * model.json names it. A writer's record exists before its W does and disappears only when it
 * becomes model.json, so a weights file seen in the first listing is either protected by a
 * record seen in the second, or already named by the model.json read after it: no save's commit
 * can end up naming a deleted file, whatever the interleaving of the writers.
 *
 * The sweep may delete the weights of a model.json a reader has just read (a newer save committed
 * in between): the reader then finds model.json changed and starts over (LOAD_ATTEMPTS times).
 *
 * Temporary files name their writer (host and pid). Those of writers that no longer run are
 * crashed or killed saves, removed by the next sweep; files of writers on other hosts are never
 * removed, since their processes cannot be checked from here.
 */

/**
 * Saves architecture and weights (not the optimizer state) into `dir`: model.json plus a weights
 * file, with a checksum in model.json that covers both (see model-file.ts). Safe against crashes
 * and concurrent saves and loads of the same folder (see above): the folder always holds a
 * complete model, the previous one or the new one.
 */
export function saveModel(dir: string, model: Model, options: SaveOptions = {}): void {
  saveModelAs('saveModel', dir, model, options);
}

/** saveModel with errors that name `who` (model.save, ModelCheckpoint). */
export function saveModelAs(who: string, dir: string, model: Model, options: SaveOptions = {}): void {
  checkOptions(who, options, SAVE_OPTIONS);
  if (typeof dir !== 'string' || dir === '')
    throw new Error(`${who}: dir must be a folder path, got ${String(dir)}`);
  if (!(model instanceof Model)) throw new Error(`${who}: model must be a Model`);
  const net = model.network;
  if (net.inputDim === null)
    throw new Error(`${who}: the model is not built; fit it or call build(inputDim)`);
  const preprocessing = options.preprocessing ?? null;
  const metadata = options.metadata ?? {};
  checkJsonValue(who, preprocessing, 'preprocessing');
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new Error(`${who}: metadata must be an object of plain JSON values`);
  }
  checkJsonValue(who, metadata, 'metadata');

  const named = net.namedWeights();
  const dtype = net.dtype;
  const itemBytes = dtype === 'float64' ? 8 : 4;
  let total = 0;
  for (const [, p] of named) total += p.size;
  const flat = dtype === 'float64' ? new Float64Array(total) : new Float32Array(total);
  const tensors: SavedTensor[] = [];
  let offset = 0;
  for (const [name, p] of named) {
    for (let i = 0; i < p.size; i++) {
      if (!Number.isFinite(p.data[i])) {
        throw new Error(
          `${who}: ${name} holds a non-finite value (${p.data[i]}) at index ${i}; nothing was written`,
        );
      }
    }
    flat.set(p.data, offset);
    tensors.push({ name, shape: [...p.shape], offset });
    offset += p.size;
  }
  // A quantized model's int8 kernels follow the float tensors, byte offsets from there.
  const int8Tensors: SavedTensor[] = [];
  const int8Parts: Int8Array[] = [];
  let int8Bytes = 0;
  for (const layer of net.layers) {
    if (!(layer instanceof QuantizedDense)) continue;
    for (const [short, data, shape] of layer.int8Weights()) {
      int8Tensors.push({ name: `${layer.name}/${short}`, shape, offset: int8Bytes });
      int8Parts.push(data);
      int8Bytes += data.length;
    }
  }
  const floatBytes = total * itemBytes;
  let bytes = new Uint8Array(flat.buffer, 0, floatBytes);
  if (int8Bytes > 0) {
    const all = new Uint8Array(floatBytes + int8Bytes);
    all.set(bytes);
    let at = floatBytes;
    for (const part of int8Parts) {
      all.set(new Uint8Array(part.buffer, part.byteOffset, part.length), at);
      at += part.length;
    }
    bytes = all;
  }
  const hash = sha256Hex(bytes);
  const weightsFile = `weights.${hash.slice(0, 16)}-${randomBytes(4).toString('hex')}.bin`;
  const body: Omit<ModelFile, 'checksum'> = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    createdAt: new Date().toISOString(),
    model: {
      name: net.name,
      dtype,
      inputDim: net.inputDim,
      // Sequences: the shape of one example; a table's rows need only inputDim (as before).
      ...(net.inputShape !== null && net.inputShape.length > 1 ? { inputShape: net.inputShape } : {}),
      layers: net.layers.map((l) => l.config()),
    },
    weights: {
      file: weightsFile,
      bytes: bytes.length,
      sha256: hash,
      dtype,
      byteOrder: 'little',
      tensors,
      ...(int8Tensors.length > 0 ? { int8Tensors } : {}),
    },
    preprocessing,
    metadata,
  };
  // The checksum is taken over what a loader will parse back, not over the objects given.
  const checksum = documentChecksum(JSON.parse(JSON.stringify(body)));
  const doc: ModelFile = { ...body, checksum: { sha256: checksum, covers: CHECKSUM_COVERS } };
  const json = `${JSON.stringify(doc, null, 2)}\n`;

  ensureFolder(who, dir);
  const target = join(dir, MODEL_FILE);
  const pending = tempName(target);
  const weightsPath = join(dir, weightsFile);
  try {
    writeDurable(pending, json);
    writeFileAtomic(weightsPath, bytes);
    options.beforeCommit?.();
    renameSync(pending, target);
  } catch (err) {
    rmSync(pending, { force: true });
    rmSync(weightsPath, { force: true });
    throw err;
  }
  fsyncDirectory(dir);
  sweep(dir);
}

function ensureFolder(who: string, dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new Error(`${who}: cannot create the folder ${dir}: ${(err as Error).message}`);
  }
  if (!statSync(dir).isDirectory()) throw new Error(`${who}: ${dir} exists and is not a folder`);
}

/** Deletes unneeded weights files and dead writers' temporary files (protocol above). Best effort. */
function sweep(dir: string): void {
  try {
    const weights = readdirSync(dir).filter((f) => WEIGHTS_FILE_PATTERN.test(f));
    const keep = new Set<string>();
    for (const name of readdirSync(dir)) {
      if (!name.startsWith(TEMP_PREFIX)) continue;
      const base = name.slice(TEMP_PREFIX.length);
      const isRecord = base.startsWith(`${MODEL_FILE}.`);
      // Temporary files of other files in the folder (metrics.json...) are not the sweep's.
      if (!isRecord && !base.startsWith('weights.')) continue;
      const owner = ownerOf(name);
      if (owner !== null && ownerMayBeAlive(owner)) {
        if (isRecord) {
          const file = weightsNamedIn(join(dir, name));
          if (file !== null) keep.add(file);
        }
        continue;
      }
      rmSync(join(dir, name), { force: true });
    }
    const committed = weightsNamedIn(join(dir, MODEL_FILE));
    // model.json exists but cannot be read: delete no weights file rather than guess.
    if (committed === null && existsSync(join(dir, MODEL_FILE))) return;
    if (committed !== null) keep.add(committed);
    for (const f of weights) if (!keep.has(f)) rmSync(join(dir, f), { force: true });
  } catch {
    // A failed sweep leaves extra files behind, never a model that does not load.
  }
}

/** The weights file a model.json (committed or pending) names, or null if it cannot be read. */
function weightsNamedIn(path: string): string | null {
  try {
    const file = JSON.parse(readFileSync(path, 'utf8'))?.weights?.file;
    return typeof file === 'string' ? file : null;
  } catch {
    return null;
  }
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Reads a model saved by saveModel. Verifies the format and version, every key model.json must
 * have, its checksum (which covers the whole document) and the weights' size and checksum; any
 * mismatch is refused with a message naming it, never loaded as it is.
 */
export function loadModel(dir: string, options: LoadOptions = {}): LoadedModel {
  checkOptions('loadModel', options, LOAD_OPTIONS);
  if (typeof dir !== 'string' || dir === '') {
    throw new Error(`loadModel: dir must be the path of a folder saved by saveModel, got ${String(dir)}`);
  }
  const path = join(dir, MODEL_FILE);
  for (let attempt = 1; ; attempt++) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        throw new Error(
          existsSync(dir)
            ? `loadModel: no ${MODEL_FILE} in ${dir}`
            : `loadModel: the folder ${dir} does not exist`,
        );
      }
      throw new Error(`loadModel: cannot read ${path}: ${(err as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new Error(
        `loadModel: ${path} is not valid JSON (truncated or edited?): ${(err as Error).message}`,
      );
    }
    const doc = readModelFile(parsed, path, options.acceptVersion1 ?? false);
    // The layers are built before the checksum is compared so a missing layer key is named.
    const model = buildArchitecture(doc, path);
    verifyChecksum(doc, path);
    const wpath = join(dir, doc.weights.file);
    let bytes: Buffer;
    try {
      bytes = readFileSync(wpath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new Error(`loadModel: cannot read ${wpath}: ${(err as Error).message}`);
      }
      // A save committed a newer model.json and swept this one's weights: read the new one.
      if (readText(path) !== text) {
        if (attempt < LOAD_ATTEMPTS) continue;
        throw new Error(
          `loadModel: the model in ${dir} was replaced ${LOAD_ATTEMPTS} times while it was being read; try again`,
        );
      }
      throw new Error(`loadModel: the weights file ${wpath} named in ${path} is missing`);
    }
    return fillWeights(model, doc, path, wpath, bytes);
  }
}

function buildArchitecture(doc: ModelFile, path: string): Model {
  try {
    const layers = doc.model.layers.map((c, i) =>
      layerFromConfig(c, `loadModel: ${path}`, `model.layers[${i}]`),
    );
    const model = new Model(layers, { name: doc.model.name, dtype: doc.model.dtype, seed: 0 });
    model.build(doc.model.inputShape ?? doc.model.inputDim);
    return model;
  } catch (err) {
    const msg = (err as Error).message;
    throw new Error(msg.startsWith('loadModel:') ? msg : `loadModel: ${path}: ${msg}`);
  }
}

function fillWeights(model: Model, doc: ModelFile, path: string, wpath: string, bytes: Buffer): LoadedModel {
  const w = doc.weights;
  if (bytes.length !== w.bytes) {
    throw new Error(
      `loadModel: ${wpath} has ${bytes.length} bytes but ${MODEL_FILE} expects ${w.bytes} (truncated?)`,
    );
  }
  const actual = sha256Hex(bytes);
  if (actual !== w.sha256) {
    throw new Error(
      `loadModel: checksum mismatch for ${wpath}: sha256 ${actual}, expected ${w.sha256} (corrupted?)`,
    );
  }
  if (w.dtype !== doc.model.dtype) {
    throw new Error(
      `loadModel: ${path}: 'weights.dtype' is ${w.dtype} but 'model.dtype' is ${doc.model.dtype}; they must be equal`,
    );
  }
  const named = model.network.namedWeights();
  if (named.length !== w.tensors.length) {
    throw new Error(
      `loadModel: ${path}: the architecture has ${named.length} weight arrays, 'weights.tensors' lists ${w.tensors.length}`,
    );
  }
  // saveModel stores the tensors back to back in namedWeights order: anything else is refused.
  let offset = 0;
  named.forEach(([name, p], i) => {
    const t = w.tensors[i];
    if (t.name !== name || t.shape.join() !== p.shape.join()) {
      throw new Error(
        `loadModel: ${path}: weight ${i} is ${t.name} [${t.shape}] in the file, the model has ${name} [${p.shape}]`,
      );
    }
    if (t.offset !== offset) {
      throw new Error(
        `loadModel: ${path}: 'weights.tensors[${i}].offset' is ${t.offset}, expected ${offset} (the tensors are stored back to back)`,
      );
    }
    offset += p.size;
  });
  const itemBytes = w.dtype === 'float64' ? 8 : 4;
  const int8 = int8WeightsOf(model);
  const saved8 = w.int8Tensors ?? [];
  if (int8.length !== saved8.length) {
    throw new Error(
      `loadModel: ${path}: the architecture has ${int8.length} int8 weight arrays, 'weights.int8Tensors' lists ${saved8.length}`,
    );
  }
  let int8Offset = 0;
  int8.forEach(([name, data, shape], i) => {
    const t = saved8[i];
    if (t.name !== name || t.shape.join() !== shape.join() || t.offset !== int8Offset) {
      throw new Error(
        `loadModel: ${path}: int8 weight ${i} is ${t.name} [${t.shape}] at byte ${t.offset} in the file, the model has ${name} [${shape}] at byte ${int8Offset}`,
      );
    }
    int8Offset += data.length;
  });
  if (offset * itemBytes + int8Offset !== w.bytes) {
    throw new Error(
      `loadModel: ${path}: the tensors hold ${offset} values (${offset * itemBytes} bytes)${int8Offset > 0 ? ` and ${int8Offset} int8 bytes` : ''} but 'weights.bytes' is ${w.bytes}`,
    );
  }
  const floatBytes = offset * itemBytes;
  const copy = new Uint8Array(floatBytes);
  copy.set(bytes.subarray(0, floatBytes));
  const values = w.dtype === 'float64' ? new Float64Array(copy.buffer) : new Float32Array(copy.buffer);
  named.forEach(([, p], i) => {
    const t = w.tensors[i];
    p.data.set(values.subarray(t.offset, t.offset + p.size));
  });
  int8.forEach(([, data], i) => {
    const start = floatBytes + saved8[i].offset;
    data.set(new Int8Array(bytes.buffer, bytes.byteOffset + start, data.length));
  });
  model.network.eval();
  return { model, preprocessing: doc.preprocessing, metadata: doc.metadata };
}

/** The int8 weights of a model's quantized layers, by path name, in save order. */
function int8WeightsOf(model: Model): Array<[string, Int8Array, number[]]> {
  const out: Array<[string, Int8Array, number[]]> = [];
  for (const layer of model.network.layers) {
    if (!(layer instanceof QuantizedDense)) continue;
    for (const [short, data, shape] of layer.int8Weights()) out.push([`${layer.name}/${short}`, data, shape]);
    layer.invalidate();
  }
  return out;
}

// Model.save delegates here; the training layer cannot import this file (it writes files).
setModelSaver((dir, model, options) => saveModelAs('save', dir, model, options));
