import { type BackwardOptions, backward } from '../autograd.js';
import { Tensor } from '../tensor.js';
import type { GeluOptions } from './activations.js';
import type { Activation } from './dense.js';
import type { DropoutOptions } from './dropout.js';
import type { Operand } from './elementwise.js';
import * as ops from './index.js';
import type { MatmulOptions } from './matmul.js';
import type { Axes } from './reduce.js';

// Method-call sugar on Tensor (x.matmul(w).add(b).relu()), each a one-line call of the op.

declare module '../tensor.js' {
  interface Tensor {
    backward(grad?: Tensor | Float32Array | Float64Array, options?: BackwardOptions): void;
    add(other: Operand): Tensor;
    sub(other: Operand): Tensor;
    mul(other: Operand): Tensor;
    div(other: Operand): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    pow(exponent: number): Tensor;
    relu(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    leakyRelu(alpha?: number): Tensor;
    elu(alpha?: number): Tensor;
    gelu(options?: GeluOptions): Tensor;
    softmax(axis?: number): Tensor;
    matmul(other: Tensor, options?: MatmulOptions): Tensor;
    dense(w: Tensor, b: Tensor | null, activation?: Activation): Tensor;
    sum(axis?: Axes, keepdims?: boolean): Tensor;
    mean(axis?: Axes, keepdims?: boolean): Tensor;
    reshape(shape: readonly number[]): Tensor;
    transpose(axes?: readonly number[]): Tensor;
    /** The matrix transpose of a 2-D tensor. */
    readonly T: Tensor;
    dropout(rate: number, options?: DropoutOptions): Tensor;
  }
}

const proto = Tensor.prototype;
proto.backward = function (grad, options) {
  backward(this, grad, options);
};
proto.add = function (o) {
  return ops.add(this, o);
};
proto.sub = function (o) {
  return ops.sub(this, o);
};
proto.mul = function (o) {
  return ops.mul(this, o);
};
proto.div = function (o) {
  return ops.div(this, o);
};
proto.neg = function () {
  return ops.neg(this);
};
proto.exp = function () {
  return ops.exp(this);
};
proto.log = function () {
  return ops.log(this);
};
proto.sqrt = function () {
  return ops.sqrt(this);
};
proto.pow = function (e) {
  return ops.pow(this, e);
};
proto.relu = function () {
  return ops.relu(this);
};
proto.sigmoid = function () {
  return ops.sigmoid(this);
};
proto.tanh = function () {
  return ops.tanh(this);
};
proto.leakyRelu = function (alpha) {
  return ops.leakyRelu(this, alpha);
};
proto.elu = function (alpha) {
  return ops.elu(this, alpha);
};
proto.gelu = function (options) {
  return ops.gelu(this, options);
};
proto.softmax = function (axis) {
  return ops.softmax(this, axis);
};
proto.matmul = function (o, options) {
  return ops.matmul(this, o, options);
};
proto.dense = function (w, b, activation) {
  return ops.dense(this, w, b, activation);
};
proto.sum = function (axis, keepdims) {
  return ops.sum(this, axis, keepdims);
};
proto.mean = function (axis, keepdims) {
  return ops.mean(this, axis, keepdims);
};
proto.reshape = function (shape) {
  return ops.reshape(this, shape);
};
proto.transpose = function (axes) {
  return ops.transpose(this, axes);
};
Object.defineProperty(proto, 'T', {
  get(this: Tensor) {
    return ops.transpose(this);
  },
});
proto.dropout = function (rate, options) {
  return ops.dropout(this, rate, options);
};
