import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ActivationLayer } from '../nn/activation.js';
import { Dense } from '../nn/dense.js';
import { Dropout } from '../nn/dropout.js';
import { Softmax } from '../nn/softmax.js';
import type { Model } from '../training/model.js';
import { writeFileAtomic } from './atomic.js';
import { onnxType } from './onnx-schema.js';

const FLOAT = 1;
const OPSET = 13;
const IR_VERSION = 8;
const ACTIVATION_OPS = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' } as const;

/**
 * The model as an ONNX graph (opset 13): each Dense is a Gemm (MatMul without a bias) followed by
 * its activation; Dropout is left out, as in inference. Input 'input' [batch, features], output
 * 'output'. Weights are stored as float32.
 */
export function toOnnx(model: Model): Uint8Array {
  const net = model.network;
  if (net.inputDim === null)
    throw new Error('exportOnnx: the model is not built; fit it or call build(inputDim)');
  const nodes: object[] = [];
  const initializer: object[] = [];
  let current = 'input';
  let width = net.inputDim;
  const next = (name: string) => `${name}_out`;
  const tensor = (name: string, dims: number[], data: ArrayLike<number>) => {
    const f = Float32Array.from(data);
    initializer.push({ name, dims, data_type: FLOAT, raw_data: new Uint8Array(f.buffer) });
  };
  for (const layer of net.layers) {
    if (layer instanceof Dense) {
      const w = `${layer.name}/kernel`;
      tensor(w, [width, layer.units], layer.kernel!.data);
      const out = layer.activation === 'linear' ? next(layer.name) : `${layer.name}_linear`;
      if (layer.bias) {
        tensor(`${layer.name}/bias`, [layer.units], layer.bias.data);
        nodes.push({
          op_type: 'Gemm',
          name: layer.name,
          input: [current, w, `${layer.name}/bias`],
          output: [out],
        });
      } else {
        nodes.push({ op_type: 'MatMul', name: layer.name, input: [current, w], output: [out] });
      }
      current = out;
      if (layer.activation !== 'linear') {
        const op = ACTIVATION_OPS[layer.activation];
        nodes.push({
          op_type: op,
          name: `${layer.name}_${layer.activation}`,
          input: [current],
          output: [next(layer.name)],
        });
        current = next(layer.name);
      }
      width = layer.units;
    } else if (layer instanceof ActivationLayer) {
      nodes.push({
        op_type: ACTIVATION_OPS[layer.activation],
        name: layer.name,
        input: [current],
        output: [next(layer.name)],
      });
      current = next(layer.name);
    } else if (layer instanceof Softmax) {
      nodes.push({
        op_type: 'Softmax',
        name: layer.name,
        input: [current],
        output: [next(layer.name)],
        attribute: [{ name: 'axis', i: -1, type: 2 }],
      });
      current = next(layer.name);
    } else if (!(layer instanceof Dropout)) {
      throw new Error(`exportOnnx: layer '${layer.name}' (${layer.className}) has no ONNX equivalent`);
    }
  }
  // Rename the last value to 'output' so callers find it by a fixed name.
  const final = nodes[nodes.length - 1] as { output: string[] } | undefined;
  if (final) final.output = ['output'];
  else nodes.push({ op_type: 'Identity', name: 'identity', input: ['input'], output: ['output'] });
  const valueInfo = (name: string, dim: number) => ({
    name,
    type: { tensor_type: { elem_type: FLOAT, shape: { dim: [{ dim_param: 'batch' }, { dim_value: dim }] } } },
  });
  const Model = onnxType('ModelProto');
  const message = Model.fromObject({
    ir_version: IR_VERSION,
    producer_name: 'tensorgrad',
    producer_version: '0.1.0',
    opset_import: [{ domain: '', version: OPSET }],
    graph: {
      name: net.name,
      node: nodes,
      initializer,
      input: [valueInfo('input', net.inputDim)],
      output: [valueInfo('output', width)],
    },
  });
  return Model.encode(message).finish();
}

/** Writes the model as an .onnx file. */
export function exportOnnx(path: string, model: Model): void {
  const bytes = toOnnx(model);
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, bytes);
}
