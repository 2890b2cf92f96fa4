import { createHash } from 'node:crypto';
import type { Dtype } from '../kernels/types.js';
import type { LayerConfig } from '../nn/module.js';
import { canonicalJson } from './json-value.js';

/**
 * model.json, the document of a saved model: its schema, the check of every key a loader reads,
 * and the checksum that covers the document itself.
 *
 * Version 2 (this one) adds `checksum`: the sha256 of the canonical JSON (keys sorted, no spaces)
 * of every other key. The weights file has its own sha256 inside the document, so the one
 * checksum covers shapes, offsets, architecture, preprocessing, threshold and weights together:
 * an edited value is refused on load instead of being used. Version 1 had only the weights'
 * sha256; it is read only when the caller asks for it (see loadModel's acceptVersion1).
 */

export const MODEL_FORMAT = 'tensorgrad-model';
export const MODEL_VERSION = 2;
export const MODEL_FILE = 'model.json';
export const CHECKSUM_COVERS =
  'sha256 of the canonical JSON (keys sorted, no whitespace) of every key of this file except checksum; weights.sha256 covers the weights file. Edit nothing by hand: load the model and save it again.';

/** Weights files: weights.<first 16 hex of sha256>.bin (version 1), with -<8 hex nonce> (version 2). */
export const WEIGHTS_FILE_PATTERN = /^weights\.[0-9a-f]{16}(-[0-9a-f]{8})?\.bin$/;

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
  /** inputShape: the shape of one example when it has more than one axis (sequences). */
  model: { name: string; dtype: Dtype; inputDim: number; inputShape?: number[]; layers: LayerConfig[] };
  weights: {
    file: string;
    bytes: number;
    sha256: string;
    dtype: Dtype;
    byteOrder: 'little';
    tensors: SavedTensor[];
    /**
     * int8 weights (a quantized model's kernels), stored after the float tensors; their offsets
     * count bytes from the end of the float tensors. Absent in models that are not quantized.
     */
    int8Tensors?: SavedTensor[];
  };
  preprocessing: unknown;
  metadata: Record<string, unknown>;
  /** Version 2 on: the checksum of everything above. */
  checksum?: { sha256: string; covers: string };
}

export const sha256Hex = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

/** The checksum of a document: every key but `checksum`, as canonical JSON. */
export function documentChecksum(doc: object): string {
  const { checksum: _ignored, ...rest } = doc as Record<string, unknown>;
  return sha256Hex(canonicalJson(rest));
}

/** Reads keys of untrusted JSON, naming the full path of whatever is missing or of the wrong type. */
class Reader {
  constructor(
    private readonly where: string,
    private readonly file: string,
  ) {}

  fail(path: string, what: string): never {
    throw new Error(`${this.where}: ${this.file}: ${path} ${what}`);
  }

  object(value: unknown, path: string): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.fail(`'${path}'`, `must be an object, got ${show(value)}`);
    }
    return value as Record<string, unknown>;
  }

  key(obj: Record<string, unknown>, key: string, path: string): unknown {
    const full = path === '' ? key : `${path}.${key}`;
    if (!Object.hasOwn(obj, key))
      this.fail(`key '${full}'`, 'is missing (was the file edited or cut short?)');
    return obj[key];
  }

  string(obj: Record<string, unknown>, key: string, path: string, pattern?: RegExp): string {
    const v = this.key(obj, key, path);
    const full = join(path, key);
    if (typeof v !== 'string') this.fail(`'${full}'`, `must be a string, got ${show(v)}`);
    if (pattern && !pattern.test(v)) this.fail(`'${full}'`, `has an unexpected value ${show(v)}`);
    return v;
  }

  integer(obj: Record<string, unknown>, key: string, path: string, min: number): number {
    const v = this.key(obj, key, path);
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      this.fail(`'${join(path, key)}'`, `must be an integer >= ${min}, got ${show(v)}`);
    }
    return v;
  }

  oneOf<T extends string>(obj: Record<string, unknown>, key: string, path: string, values: readonly T[]): T {
    const v = this.key(obj, key, path);
    if (!values.includes(v as T)) {
      this.fail(
        `'${join(path, key)}'`,
        `must be one of ${values.map((s) => `'${s}'`).join(', ')}, got ${show(v)}`,
      );
    }
    return v as T;
  }

  array(obj: Record<string, unknown>, key: string, path: string): unknown[] {
    const v = this.key(obj, key, path);
    if (!Array.isArray(v)) this.fail(`'${join(path, key)}'`, `must be an array, got ${show(v)}`);
    return v;
  }
}

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const DTYPES: readonly Dtype[] = ['float32', 'float64'];

/**
 * Checks that `value` (parsed model.json) has every key of its version with the right type (the
 * layer configs are checked when the layers are built, see layers.ts). Throws one line naming the
 * key. `acceptVersion1` reads version 1 files, which have no checksum of their own. The checksum
 * is checked by verifyChecksum, after the keys, so a missing key is named as such.
 */
export function readModelFile(value: unknown, file: string, acceptVersion1: boolean): ModelFile {
  const where = 'loadModel';
  const r = new Reader(where, file);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${where}: ${file} is not a tensorgrad model (it holds ${show(value)}, not an object)`);
  }
  const doc = value as Record<string, unknown>;
  r.key(doc, 'format', '');
  if (doc.format !== MODEL_FORMAT) {
    throw new Error(`${where}: ${file} is not a tensorgrad model (format '${String(doc.format)}')`);
  }
  const version = r.key(doc, 'version', '');
  if (version !== MODEL_VERSION && version !== 1) {
    throw new Error(
      `${where}: ${file} has format version ${show(version)}; this tensorgrad reads version ${MODEL_VERSION} (and 1 on request)`,
    );
  }
  if (version === 1 && !acceptVersion1) throw new Error(version1Message(file));
  r.string(doc, 'createdAt', '');
  const model = r.object(r.key(doc, 'model', ''), 'model');
  r.string(model, 'name', 'model');
  r.oneOf(model, 'dtype', 'model', DTYPES);
  const inputDim = r.integer(model, 'inputDim', 'model', 1);
  if (Object.hasOwn(model, 'inputShape')) {
    const shape = r.array(model, 'inputShape', 'model');
    shape.forEach((d, j) => {
      if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 1) {
        r.fail(`'model.inputShape[${j}]'`, `must be an integer >= 1, got ${show(d)}`);
      }
    });
    if (shape[shape.length - 1] !== inputDim) {
      r.fail(`'model.inputShape'`, `ends with ${show(shape[shape.length - 1])} but inputDim is ${inputDim}`);
    }
  }
  r.array(model, 'layers', 'model').forEach((l, i) => {
    const layer = r.object(l, `model.layers[${i}]`);
    r.string(layer, 'type', `model.layers[${i}]`);
  });
  const weights = r.object(r.key(doc, 'weights', ''), 'weights');
  r.string(weights, 'file', 'weights', WEIGHTS_FILE_PATTERN);
  r.integer(weights, 'bytes', 'weights', 0);
  r.string(weights, 'sha256', 'weights', /^[0-9a-f]{64}$/);
  r.oneOf(weights, 'dtype', 'weights', DTYPES);
  r.oneOf(weights, 'byteOrder', 'weights', ['little']);
  const int8 = Object.hasOwn(weights, 'int8Tensors') ? r.array(weights, 'int8Tensors', 'weights') : [];
  const listed = [
    ...r.array(weights, 'tensors', 'weights').map((t, i) => [t, `weights.tensors[${i}]`] as const),
    ...int8.map((t, i) => [t, `weights.int8Tensors[${i}]`] as const),
  ];
  listed.forEach(([t, path]) => {
    const tensor = r.object(t, path);
    r.string(tensor, 'name', path);
    r.array(tensor, 'shape', path).forEach((d, j) => {
      if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 1) {
        r.fail(`'${path}.shape[${j}]'`, `must be an integer >= 1, got ${show(d)}`);
      }
    });
    r.integer(tensor, 'offset', path, 0);
  });
  r.key(doc, 'preprocessing', '');
  r.object(r.key(doc, 'metadata', ''), 'metadata');
  if (version === MODEL_VERSION) {
    const checksum = r.object(r.key(doc, 'checksum', ''), 'checksum');
    r.string(checksum, 'sha256', 'checksum', /^[0-9a-f]{64}$/);
  }
  return doc as unknown as ModelFile;
}

/** Refuses a version 2 document whose content no longer matches its checksum. */
export function verifyChecksum(doc: ModelFile, file: string): void {
  if (doc.version === 1 || doc.checksum === undefined) return;
  const expected = doc.checksum.sha256;
  const actual = documentChecksum(doc);
  if (actual !== expected) {
    throw new Error(
      `loadModel: ${file} was changed after it was saved: its checksum is ${expected} but its content hashes to ${actual}. A saved model is not edited by hand (a changed offset, shape, preprocessing value or threshold would otherwise be used silently): load it, change it through the API and save it again, or restore the saved file`,
    );
  }
}

function version1Message(file: string): string {
  const dir = file
    .replace(/[/\\]model\.json$/, '')
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'");
  const snippet = `node --input-type=module -e "import { loadModel, saveModel } from 'tensorgrad'; const m = loadModel('${dir}', { acceptVersion1: true }); saveModel('${dir}', m.model, { preprocessing: m.preprocessing, metadata: m.metadata })"`;
  return `loadModel: ${file} has format version 1, whose checksum covers the weights but not model.json itself (an edited shape, offset, preprocessing value or threshold would go unnoticed), so it is not loaded by default. Check the file, then re-save it once in version ${MODEL_VERSION}: ${snippet} (or train it again)`;
}
