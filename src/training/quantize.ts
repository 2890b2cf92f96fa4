/**
 * Post-training int8 quantization of a model of Dense layers, for inference.
 *
 * Weights: int8 codes, symmetric, one scale per output channel: scale_j = max_p |W[p][j]| / 64 and
 * q = roundHalfEven(W / scale_j), in [-64, 64] (7 bits: see WEIGHT_MAX for why).
 * Activations (each Dense layer's input): 7-bit unsigned codes with a zero point, from a range
 * calibrated on rows of data (the training rows): [lo, hi] = the min and max seen (or the given
 * percentiles), widened to hold 0 so that zero is exact; scale = (hi - lo) / 127,
 * zeroPoint = roundHalfEven(-lo / scale). Codes use 7 bits so the AVX2 kernel cannot saturate
 * (see kernels/declarations/quantized.ts).
 *
 * The result is a new Model whose Dense layers are QuantizedDense layers (inference-only); Dropout
 * and Activation layers are kept (Dropout is the identity at inference). Other layers are refused.
 */
import { noGrad } from '../autograd.js';
import { QUANT_MAX, roundHalfEven, WEIGHT_MAX } from '../kernels/declarations/quantized.js';
import { ActivationLayer } from '../nn/activation.js';
import { Dense } from '../nn/dense.js';
import { Dropout } from '../nn/dropout.js';
import type { Module } from '../nn/module.js';
import { type ActivationQuantization, QuantizedDense } from '../nn/quantized-dense.js';
import { Softmax } from '../nn/softmax.js';
import { Tensor } from '../tensor.js';
import { type MatrixLike, toMatrix } from './inputs.js';
import { Model } from './model.js';

export interface QuantizeOptions {
  /**
   * The share of calibration values the range leaves out at each end (0: min and max, the
   * default; 1e-4 uses the 0.01st and 99.99th percentiles, clipping rare outliers).
   */
  clip?: number;
  /** Rows per forward pass while calibrating (default 1024). */
  batchSize?: number;
}

/** Symmetric per-channel weight codes of a [k, n] kernel: rows of codes per output channel. */
export function quantizeKernel(
  kernel: ArrayLike<number>,
  k: number,
  n: number,
): { codes: Int8Array; scales: Float32Array } {
  if (kernel.length !== k * n)
    throw new Error(`quantizeKernel: kernel has ${kernel.length} values, needs ${k}x${n}`);
  const codes = new Int8Array(n * k);
  const scales = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    let max = 0;
    for (let p = 0; p < k; p++) {
      const v = Math.abs(kernel[p * n + j]);
      if (!Number.isFinite(v)) throw new Error(`quantizeKernel: kernel[${p}][${j}] is ${kernel[p * n + j]}`);
      if (v > max) max = v;
    }
    // A channel of zeros keeps scale 1 (any scale gives zero codes).
    const s = max > 0 ? Math.fround(max / WEIGHT_MAX) : 1;
    scales[j] = s;
    for (let p = 0; p < k; p++) {
      const q = roundHalfEven(kernel[p * n + j] / s);
      codes[j * k + p] = q > WEIGHT_MAX ? WEIGHT_MAX : q < -WEIGHT_MAX ? -WEIGHT_MAX : q;
    }
  }
  return { codes, scales };
}

/** Scale and zero point of 7-bit codes for values in [lo, hi] (widened to hold 0). */
export function activationQuantization(lo: number, hi: number): ActivationQuantization {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi) {
    throw new Error(`activationQuantization: the range must be finite with lo <= hi, got [${lo}, ${hi}]`);
  }
  const a = Math.min(lo, 0);
  const b = Math.max(hi, 0);
  if (b - a === 0) return { scale: 1, zeroPoint: 0 };
  let scale = Math.fround((b - a) / QUANT_MAX);
  if (!(scale > 0)) scale = Math.fround(Number.MIN_VALUE) || 1e-30;
  const zeroPoint = Math.min(QUANT_MAX, Math.max(0, roundHalfEven(-a / scale)));
  return { scale, zeroPoint };
}

/** The range of values, leaving out the `clip` share at each end. */
export function calibratedRange(values: Float32Array, clip = 0): [number, number] {
  if (values.length === 0) return [0, 0];
  if (!(clip >= 0 && clip < 0.5)) throw new Error(`quantize: clip must be in [0, 0.5), got ${clip}`);
  if (clip === 0) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const v of values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return [lo, hi];
  }
  const sorted = Float32Array.from(values).sort();
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
  return [at(clip), at(1 - clip)];
}

export interface LayerQuantization {
  name: string;
  input: ActivationQuantization;
  /** The calibrated range of the layer's input (before widening to hold 0). */
  range: [number, number];
}

export interface QuantizedModel {
  model: Model;
  layers: LayerQuantization[];
}

/** Why a model cannot be quantized, or null. */
export function quantizeRefusal(model: Model): string | null {
  const shape = model.network.inputShape;
  if (shape !== null && shape.length > 1) {
    return `the model reads sequences (examples of shape [${shape}]); int8 quantization covers models of rows (Dense layers)`;
  }
  if (model.network.inputDim === null) return 'the model is not built; fit it or call build(inputDim)';
  if (model.dtype !== 'float32')
    return `the model is ${model.dtype}; int8 quantization starts from float32 models`;
  let dense = 0;
  for (const layer of model.layers) {
    if (layer instanceof Dense) dense++;
    else if (layer instanceof QuantizedDense) return `layer '${layer.name}' is quantized already`;
    else if (!(layer instanceof Dropout || layer instanceof ActivationLayer || layer instanceof Softmax)) {
      return `layer '${layer.name}' (${layer.className}) cannot be quantized; int8 quantization covers Dense layers, with Dropout and activation layers between them`;
    }
  }
  return dense === 0 ? 'the model has no Dense layer to quantize' : null;
}

/**
 * Quantizes a trained float32 model: calibrates each Dense layer's input range on `calibration`
 * rows (run through the float model in evaluation mode), then converts every Dense layer. The
 * float model is not changed.
 */
export function quantizeModel(
  model: Model,
  calibration: MatrixLike,
  options: QuantizeOptions = {},
): QuantizedModel {
  const refusal = quantizeRefusal(model);
  if (refusal !== null) throw new Error(`quantize: ${refusal}`);
  const clip = options.clip ?? 0;
  const batchSize = options.batchSize ?? 1024;
  const x = toMatrix('quantize', 'calibration', calibration, 'float32');
  const width = model.network.inputDim as number;
  if (x.rows === 0) throw new Error('quantize: no calibration rows');
  if (x.cols !== width)
    throw new Error(`quantize: calibration rows have ${x.cols} columns, the model takes ${width}`);

  // Every value entering each Dense layer, over all calibration rows.
  const layers = model.layers;
  const inputs = new Map<Module, Float32Array[]>();
  model.network.eval();
  noGrad(() => {
    for (let start = 0; start < x.rows; start += batchSize) {
      const end = Math.min(start + batchSize, x.rows);
      let h = new Tensor(x.data.slice(start * width, end * width), [end - start, width]);
      for (const layer of layers) {
        if (layer instanceof Dense) {
          const list = inputs.get(layer) ?? [];
          list.push(h.data as Float32Array);
          inputs.set(layer, list);
        }
        h = layer.forward(h);
      }
    }
  });

  const converted: Module[] = [];
  const report: LayerQuantization[] = [];
  let inputDim = width;
  for (const layer of layers) {
    if (!(layer instanceof Dense)) {
      converted.push(parameterFree(layer));
      inputDim = layer.outputDim(inputDim);
      continue;
    }
    const parts = inputs.get(layer) ?? [];
    const all = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    const range = calibratedRange(all, clip);
    const input = activationQuantization(range[0], range[1]);
    const q = new QuantizedDense(layer.units, { name: layer.name, activation: layer.activation, input });
    q.build(inputDim, { generator: model.network.generator, dtype: 'float32' });
    const { codes, scales } = quantizeKernel((layer.kernel as Tensor).data, inputDim, layer.units);
    q.setQuantizedWeights(codes, scales, layer.bias?.data ?? new Float32Array(layer.units));
    converted.push(q);
    report.push({ name: layer.name, input, range });
    inputDim = layer.units;
  }
  const quantized = new Model(converted, { name: model.network.name, dtype: 'float32', seed: 0 });
  quantized.build(width);
  quantized.network.eval();
  return { model: quantized, layers: report };
}

/** A fresh copy of a Dropout, Activation or Softmax layer, so the two models share no layer. */
function parameterFree(layer: Module): Module {
  if (layer instanceof Dropout) return new Dropout(layer.rate, { name: layer.name });
  if (layer instanceof ActivationLayer) return new ActivationLayer(layer.activation, { name: layer.name });
  return new Softmax({ name: layer.name });
}

/** The model's weight bytes: 4 per float32 value, 1 per int8 value. */
export function modelBytes(model: Model): number {
  let bytes = 0;
  for (const [, t] of model.network.namedWeights()) bytes += t.size * (t.dtype === 'float64' ? 8 : 4);
  for (const layer of model.layers) {
    if (layer instanceof QuantizedDense) for (const [, data] of layer.int8Weights()) bytes += data.length;
  }
  return bytes;
}
