import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { QUANT_MAX } from '../kernels/declarations/quantized.js';
import { ActivationLayer, type ActivationName } from '../nn/activation.js';
import { Dense } from '../nn/dense.js';
import { Dropout } from '../nn/dropout.js';
import type { Module } from '../nn/module.js';
import { BatchNormalization, LayerNormalization } from '../nn/normalization.js';
import { QuantizedDense } from '../nn/quantized-dense.js';
import { Softmax } from '../nn/softmax.js';
import { LEAKY_RELU_SLOPE } from '../ops/activations.js';
import type { Tensor } from '../tensor.js';
import type { Model } from '../training/model.js';
import { writeFileAtomic } from './atomic.js';
import { onnxType } from './onnx-schema.js';

const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;
const OPSET = 13;
const IR_VERSION = 8;
/** ONNX operators that are one of our activations as they stand (opset 13). */
const ACTIVATION_OPS = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh', softmax: 'Softmax' } as const;
const FLOAT_ATTRIBUTE = 1;
const INT_ATTRIBUTE = 2;
const INTS_ATTRIBUTE = 7;

interface OnnxNode {
  op_type: string;
  name: string;
  input: string[];
  output: string[];
  attribute?: object[];
}

/** The graph as it is built: nodes in order, weights, and the value the next node reads. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializer: object[] = [];
  /** The name of the last value produced: the next node's input. */
  current = 'input';

  /** A float32 weight tensor. */
  weight(name: string, dims: number[], data: ArrayLike<number>): string {
    const f = Float32Array.from(data);
    this.initializer.push({ name, dims, data_type: FLOAT, raw_data: new Uint8Array(f.buffer) });
    return name;
  }

  /** An int8 or uint8 weight tensor, stored as raw bytes. */
  bytes(
    name: string,
    dims: number[],
    type: typeof INT8 | typeof UINT8,
    data: Int8Array | Uint8Array,
  ): string {
    const raw = new Uint8Array(data.length);
    raw.set(new Uint8Array(data.buffer, data.byteOffset, data.length));
    this.initializer.push({ name, dims, data_type: type, raw_data: raw });
    return name;
  }

  /** A node reading the current value (then `extra` inputs) and producing `output`, the new current one. */
  node(op: string, name: string, output: string, extra: string[] = [], attribute?: object[]): void {
    this.nodes.push({ op_type: op, name, input: [this.current, ...extra], output: [output], attribute });
    this.current = output;
  }
}

/** Layers of sequences, which are not exported to ONNX (their masks and layouts are not mapped). */
const SEQUENCE_LAYERS = [
  'Embedding',
  'FeatureEmbedding',
  'SimpleRNN',
  'GRU',
  'LSTM',
  'Conv1D',
  'GlobalAveragePooling1D',
  'GlobalMaxPooling1D',
  'Masking',
];

const outputOf = (layer: { name: string }) => `${layer.name}_out`;

/**
 * The nodes of an activation, reading the current value and producing `output`. Softmax is over
 * the last axis (opset 13's axis -1); leaky ReLU and ELU carry Keras's alpha (0.2 and 1); GELU,
 * which has no operator before opset 20, is x * 0.5 * (1 + Erf(x / sqrt 2)).
 */
function activationNodes(g: GraphBuilder, activation: ActivationName, name: string, output: string): void {
  switch (activation) {
    case 'linear':
      g.node('Identity', name, output);
      return;
    case 'softmax':
      g.node('Softmax', name, output, [], [{ name: 'axis', i: -1, type: INT_ATTRIBUTE }]);
      return;
    case 'leakyRelu':
      g.node('LeakyRelu', name, output, [], [{ name: 'alpha', f: LEAKY_RELU_SLOPE, type: FLOAT_ATTRIBUTE }]);
      return;
    case 'elu':
      g.node('Elu', name, output, [], [{ name: 'alpha', f: 1, type: FLOAT_ATTRIBUTE }]);
      return;
    case 'gelu': {
      const x = g.current;
      const sqrt2 = g.weight(`${name}/sqrt2`, [], [Math.SQRT2]);
      const one = g.weight(`${name}/one`, [], [1]);
      const half = g.weight(`${name}/half`, [], [0.5]);
      g.node('Div', `${name}_div`, `${name}_scaled`, [sqrt2]);
      g.node('Erf', `${name}_erf`, `${name}_erf_out`);
      g.node('Add', `${name}_add`, `${name}_cdf2`, [one]);
      g.node('Mul', `${name}_mul`, `${name}_xcdf2`, [x]);
      g.node('Mul', name, output, [half]);
      return;
    }
    default:
      g.node(ACTIVATION_OPS[activation], name, output);
  }
}

/** A Dense layer: Gemm (MatMul without a bias), then its activation unless linear. */
function denseNodes(g: GraphBuilder, layer: Dense, width: number): void {
  const w = g.weight(`${layer.name}/kernel`, [width, layer.units], layer.kernel!.data);
  const linearOut = layer.activation === 'linear' ? outputOf(layer) : `${layer.name}_linear`;
  if (layer.bias) {
    const b = g.weight(`${layer.name}/bias`, [layer.units], layer.bias.data);
    g.node('Gemm', layer.name, linearOut, [w, b]);
  } else {
    g.node('MatMul', layer.name, linearOut, [w]);
  }
  if (layer.activation !== 'linear') {
    activationNodes(g, layer.activation, `${layer.name}_${layer.activation}`, outputOf(layer));
  }
}

/**
 * A QuantizedDense layer as QDQ (QuantizeLinear / DequantizeLinear around a float MatMul), which
 * runtimes may fuse into an integer product: the input is clipped to the range its 7-bit codes
 * cover, [(0 - zeroPoint) * scale, (127 - zeroPoint) * scale], so QuantizeLinear's uint8 (0..255)
 * gives the same codes as tensorgrad's; the int8 kernel [k, n] is dequantized per output channel
 * (axis 1, zero points 0); then Add of the bias and the activation.
 */
function quantizedDenseNodes(g: GraphBuilder, layer: QuantizedDense, width: number): void {
  const n = layer.name;
  const { scale, zeroPoint } = layer.input;
  const lo = g.weight(`${n}/input_min`, [], [Math.fround(-zeroPoint * scale)]);
  const hi = g.weight(`${n}/input_max`, [], [Math.fround((QUANT_MAX - zeroPoint) * scale)]);
  const s = g.weight(`${n}/input_scale`, [], [scale]);
  const zp = g.bytes(`${n}/input_zero_point`, [], UINT8, Uint8Array.of(zeroPoint));
  g.node('Clip', `${n}_clip`, `${n}_clipped`, [lo, hi]);
  g.node('QuantizeLinear', `${n}_quantize`, `${n}_codes`, [s, zp]);
  g.node('DequantizeLinear', `${n}_dequantize`, `${n}_input`, [s, zp]);
  // Codes are stored [units, k]; MatMul takes [k, units].
  const codes = layer.kernel as Int8Array;
  const kt = new Int8Array(width * layer.units);
  for (let j = 0; j < layer.units; j++)
    for (let p = 0; p < width; p++) kt[p * layer.units + j] = codes[j * width + p];
  const wq = g.bytes(`${n}/kernel_int8`, [width, layer.units], INT8, kt);
  const ws = g.weight(`${n}/kernel_scale`, [layer.units], (layer.kernelScale as Tensor).data);
  const wz = g.bytes(`${n}/kernel_zero_point`, [layer.units], INT8, new Int8Array(layer.units));
  const x = g.current;
  g.current = wq;
  g.node(
    'DequantizeLinear',
    `${n}_kernel`,
    `${n}_kernel_float`,
    [ws, wz],
    [{ name: 'axis', i: 1, type: INT_ATTRIBUTE }],
  );
  const w = g.current;
  g.current = x;
  g.node('MatMul', `${n}_matmul`, `${n}_product`, [w]);
  const linearOut = layer.activation === 'linear' ? outputOf(layer) : `${n}_linear`;
  g.node('Add', n, linearOut, [g.weight(`${n}/bias`, [layer.units], (layer.bias as Tensor).data)]);
  if (layer.activation !== 'linear') {
    activationNodes(g, layer.activation, `${n}_${layer.activation}`, outputOf(layer));
  }
}

/**
 * BatchNormalization in evaluation mode is an affine map per feature, x * s + t with
 * s = gamma / sqrt(movingVariance + epsilon) and t = beta - movingMean * s (computed here in
 * float64): a Mul and an Add, which every runtime has for [batch, features] inputs.
 */
function batchNormNodes(g: GraphBuilder, layer: BatchNormalization, width: number): void {
  const s = new Float64Array(width);
  const t = new Float64Array(width);
  for (let j = 0; j < width; j++) {
    const gamma = layer.gamma ? layer.gamma.data[j] : 1;
    s[j] = gamma / Math.sqrt(layer.movingVariance!.data[j] + layer.epsilon);
    t[j] = (layer.beta ? layer.beta.data[j] : 0) - layer.movingMean!.data[j] * s[j];
  }
  g.node('Mul', `${layer.name}_scale`, `${layer.name}_scaled`, [g.weight(`${layer.name}/scale`, [width], s)]);
  g.node('Add', layer.name, outputOf(layer), [g.weight(`${layer.name}/shift`, [width], t)]);
}

/**
 * LayerNormalization from opset 13 operators (LayerNormalization itself is opset 17):
 * d = x - mean(x), y = d / sqrt(mean(d^2) + epsilon) * gamma + beta, means over the last axis.
 */
function layerNormNodes(g: GraphBuilder, layer: LayerNormalization, width: number): void {
  const n = layer.name;
  const lastAxis = [
    { name: 'axes', ints: [-1], type: INTS_ATTRIBUTE },
    { name: 'keepdims', i: 1, type: INT_ATTRIBUTE },
  ];
  const x = g.current;
  g.node('ReduceMean', `${n}_mean`, `${n}_mean_out`, [], lastAxis);
  const mean = g.current;
  g.current = x;
  g.node('Sub', `${n}_center`, `${n}_centered`, [mean]);
  const centered = g.current;
  g.node('Mul', `${n}_square`, `${n}_squared`, [centered]);
  g.node('ReduceMean', `${n}_variance`, `${n}_variance_out`, [], lastAxis);
  g.node('Add', `${n}_epsilon`, `${n}_variance_eps`, [g.weight(`${n}/epsilon`, [], [layer.epsilon])]);
  g.node('Sqrt', `${n}_sqrt`, `${n}_std`);
  const std = g.current;
  g.current = centered;
  g.node('Div', `${n}_normalize`, `${n}_normalized`, [std]);
  const last = layer.beta ? `${n}_scaled` : outputOf(layer);
  if (layer.gamma)
    g.node('Mul', `${n}_gamma`, layer.beta ? last : outputOf(layer), [
      g.weight(`${n}/gamma`, [width], layer.gamma.data),
    ]);
  if (layer.beta)
    g.node('Add', `${n}_beta`, outputOf(layer), [g.weight(`${n}/beta`, [width], layer.beta.data)]);
}

/** Adds one layer's nodes; returns the width of its output. */
function layerNodes(g: GraphBuilder, layer: Module, width: number): number {
  if (layer instanceof Dense) {
    denseNodes(g, layer, width);
    return layer.units;
  }
  if (layer instanceof QuantizedDense) {
    quantizedDenseNodes(g, layer, width);
    return layer.units;
  }
  if (layer instanceof BatchNormalization) batchNormNodes(g, layer, width);
  else if (layer instanceof LayerNormalization) layerNormNodes(g, layer, width);
  else if (layer instanceof ActivationLayer)
    activationNodes(g, layer.activation, layer.name, outputOf(layer));
  else if (layer instanceof Softmax) activationNodes(g, 'softmax', layer.name, outputOf(layer));
  else if (SEQUENCE_LAYERS.includes(layer.className)) {
    throw new Error(
      `exportOnnx: ${layer.className} '${layer.name}' is a sequence layer; tensorgrad exports only models of rows (Dense, Dropout, activations, normalization, Softmax) to ONNX. Export this model with exportTfjs (TF.js layers format), or save it with saveModel`,
    );
  } else if (!(layer instanceof Dropout)) {
    throw new Error(`exportOnnx: layer '${layer.name}' (${layer.className}) has no ONNX equivalent`);
  }
  return width;
}

/** A float tensor of shape [batch, width]. */
function valueInfo(name: string, width: number) {
  return {
    name,
    type: {
      tensor_type: { elem_type: FLOAT, shape: { dim: [{ dim_param: 'batch' }, { dim_value: width }] } },
    },
  };
}

/**
 * The model as an ONNX graph (opset 13), as in inference: each Dense is a Gemm (MatMul without a
 * bias) followed by its activation; BatchNormalization is the affine map of its moving statistics
 * (Mul, Add); LayerNormalization is built from ReduceMean, Sub, Mul, Add, Sqrt and Div; Dropout is
 * left out; a QuantizedDense is QDQ (see quantizedDenseNodes). Input 'input' [batch, features],
 * output 'output'. Weights are stored as float32 (a quantized model's kernels as int8).
 */
export function toOnnx(model: Model): Uint8Array {
  const net = model.network;
  if (net.inputDim === null)
    throw new Error('exportOnnx: the model is not built; fit it or call build(inputDim)');
  const g = new GraphBuilder();
  let width = net.inputDim;
  for (const layer of net.layers) width = layerNodes(g, layer, width);
  // Rename the last value to 'output' so callers find it by a fixed name.
  const final = g.nodes[g.nodes.length - 1];
  if (final) final.output = ['output'];
  else g.node('Identity', 'identity', 'output');
  const ModelProto = onnxType('ModelProto');
  const message = ModelProto.fromObject({
    ir_version: IR_VERSION,
    producer_name: 'tensorgrad',
    producer_version: '0.1.0',
    opset_import: [{ domain: '', version: OPSET }],
    graph: {
      name: net.name,
      node: g.nodes,
      initializer: g.initializer,
      input: [valueInfo('input', net.inputDim)],
      output: [valueInfo('output', width)],
    },
  });
  return ModelProto.encode(message).finish();
}

/** Writes the model as an .onnx file. */
export function exportOnnx(path: string, model: Model): void {
  const bytes = toOnnx(model);
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, bytes);
}
