import { recycle } from './buffer-pool.js';
import { addInto } from './kernels/registry.js';
import { checkOptions, knownOptions } from './options.js';
import { alloc, type FloatArray, formatShape, type GraphNode, Tensor } from './tensor.js';

/**
 * Reverse-mode autodiff on a tape. Every op that has an input requiring gradients attaches a
 * GraphNode to its output: the inputs plus a closure from the output's gradient to the inputs'.
 * `backward` walks the nodes in reverse topological order and accumulates (+=) into each input.
 */

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording any graph (inference, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  const saved = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = saved;
  }
}

/**
 * Attaches the op's backward to its output when any input needs a gradient and grad mode is on.
 * This is the one hook every op goes through; it returns `out` for chaining.
 */
export function record(
  op: string,
  out: Tensor,
  inputs: Tensor[],
  backward: (grad: FloatArray, owned: boolean) => Array<FloatArray | null>,
  release?: () => void,
): Tensor {
  if (!gradEnabled) return out;
  let needed = false;
  for (const t of inputs) needed ||= t.requiresGrad;
  if (!needed) return out;
  out.requiresGrad = true;
  out.node = { op, inputs, backward, release: release ?? null };
  return out;
}

/** Nodes reachable from root, inputs before the tensors made from them (iterative DFS). */
export function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: Array<{ t: Tensor; next: number }> = [{ t: root, next: 0 }];
  visited.add(root);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    const inputs = frame.t.node?.inputs ?? [];
    if (frame.next < inputs.length) {
      const child = inputs[frame.next++];
      if (child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        stack.push({ t: child, next: 0 });
      }
    } else {
      order.push(frame.t);
      stack.pop();
    }
  }
  return order;
}

/**
 * The arrays of the tensors ops made in root's graph (root included): one whole-buffer array per
 * buffer, leaving out every buffer a leaf's array (an input, a parameter) also uses. For a training
 * loop that owns its graph and nothing it made outlives the step (Model.fit): once the step is
 * done, these can go back to the buffer pool for the next step's outputs. Call before backward,
 * which releases the graph.
 */
export function intermediateArrays(root: Tensor): FloatArray[] {
  const made = new Map<ArrayBufferLike, FloatArray | null>();
  const leafBuffers = new Set<ArrayBufferLike>();
  const seen = new Set<Tensor>([root]);
  const stack = [root];
  while (stack.length > 0) {
    const t = stack.pop() as Tensor;
    const a = t.data;
    if (t.node === null) {
      leafBuffers.add(a.buffer);
      continue;
    }
    const whole = a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;
    if (!made.has(a.buffer) || (whole && made.get(a.buffer) === null)) made.set(a.buffer, whole ? a : null);
    for (const input of t.node.inputs) {
      if (!seen.has(input)) {
        seen.add(input);
        stack.push(input);
      }
    }
  }
  const out: FloatArray[] = [];
  for (const [buffer, a] of made) if (a !== null && !leafBuffers.has(buffer)) out.push(a);
  return out;
}

export interface BackwardOptions {
  /** Keep the saved intermediates so backward can run through this graph again. */
  retainGraph?: boolean;
}

const BACKWARD_OPTIONS = knownOptions<BackwardOptions>({ retainGraph: true });

/**
 * Gradient arrays an op allocated for one backward call and keeps no reference to (see `fresh`):
 * backward may then add into them in place and hand them to a leaf's `.grad` without a copy.
 */
const freshGrads = new WeakSet<FloatArray>();

/**
 * Marks a gradient array as the op's own new allocation, returned once and never touched again by
 * the op: the tape adopts it (no copy into `.grad`, no copy before `+=`). Returns the array.
 */
export function fresh<T extends FloatArray>(a: T): T {
  freshGrads.add(a);
  return a;
}

interface PendingGrad {
  data: FloatArray;
  /** False while `data` may be an array another tensor or op still holds: copy before adding. */
  owned: boolean;
}

function accumulate(pending: Map<Tensor, PendingGrad>, t: Tensor, g: FloatArray): void {
  if (g.length !== t.size) {
    throw new Error(
      `backward: ${t.node?.op ?? 'leaf'} produced a gradient of ${g.length} values for a tensor of shape ${formatShape(t.shape)}`,
    );
  }
  const entry = pending.get(t);
  if (!entry) {
    // delete() answers whether it was fresh and makes sure no second tensor adopts the same array.
    pending.set(t, { data: g, owned: freshGrads.delete(g) });
    return;
  }
  const gOwned = freshGrads.delete(g);
  if (!entry.owned) {
    if (gOwned && sameDtype(g, entry.data)) {
      // Add the shared array into the op's own one instead of copying the shared one first.
      addAll(g, entry.data);
      entry.data = g;
      entry.owned = true;
      return;
    }
    entry.data = entry.data.slice();
    entry.owned = true;
  }
  addAll(entry.data, g);
  if (gOwned) recycle(g);
}

function sameDtype(a: FloatArray, b: FloatArray): boolean {
  return a instanceof Float32Array ? b instanceof Float32Array : b instanceof Float64Array;
}

/** Below this many elements a loop here beats a dispatched kernel call (same sums either way). */
const ADD_KERNEL_MIN = 4096;

/** acc += g: the addInto kernel for long arrays of one dtype, else a loop (same results). */
function addAll(acc: FloatArray, g: FloatArray): void {
  if (acc.length >= ADD_KERNEL_MIN && sameDtype(acc, g)) addInto(acc.length, acc, g);
  else for (let i = 0; i < acc.length; i++) acc[i] += g[i];
}

/** True when an array of `grads` is `g` or a view of its memory. */
function shares(grads: ReadonlyArray<FloatArray | null>, g: FloatArray): boolean {
  for (const x of grads) if (x !== null && x !== undefined && x.buffer === g.buffer) return true;
  return false;
}

/**
 * The upstream gradient as an array of root's dtype. A Tensor must have root's shape (the same
 * size is not enough: a [3,2] gradient for a [2,3] output pairs values by accident of layout); a
 * flat array carries no shape and must have root's size. Another dtype is converted, as PyTorch
 * does, so a float64 gradient never leaks float64 arrays into a float32 graph's .grad.
 */
function upstreamGradient(root: Tensor, grad: Tensor | FloatArray): FloatArray {
  let data: ArrayLike<number>;
  if (grad instanceof Tensor) {
    if (grad.ndim !== root.ndim || grad.shape.some((d, i) => d !== root.shape[i])) {
      throw new Error(
        `backward: gradient has shape ${formatShape(grad.shape)} but the tensor has shape ${formatShape(root.shape)}`,
      );
    }
    data = grad.data;
  } else if (grad instanceof Float32Array || grad instanceof Float64Array || Array.isArray(grad)) {
    data = grad;
  } else {
    throw new Error(
      `backward: the gradient must be a Tensor, a Float32Array, a Float64Array or an array of numbers, got ${describe(grad)}`,
    );
  }
  if (data.length !== root.size) {
    throw new Error(
      `backward: gradient has ${data.length} values but the tensor has shape ${formatShape(root.shape)}`,
    );
  }
  const want = root.dtype === 'float64' ? Float64Array : Float32Array;
  if (data instanceof want) return data as FloatArray;
  const converted = alloc(root.dtype, data.length);
  converted.set(data);
  return converted;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  return typeof v;
}

/**
 * Backpropagates from `root`. With no gradient given, root must hold one value (a loss) and its
 * gradient is 1. Leaves that require gradients get them added to `.grad`.
 */
export function backward(root: Tensor, grad?: Tensor | FloatArray, options: BackwardOptions = {}): void {
  checkOptions('backward', options, BACKWARD_OPTIONS);
  if (!root.requiresGrad) {
    throw new Error(
      'backward: this tensor does not require gradients (no input had requiresGrad, or noGrad was on)',
    );
  }
  let seed: FloatArray;
  if (grad === undefined) {
    if (root.size !== 1) {
      throw new Error(
        `backward: tensor of shape ${formatShape(root.shape)} is not a scalar; pass the upstream gradient explicitly`,
      );
    }
    seed = alloc(root.dtype, 1);
    seed[0] = 1;
  } else {
    seed = upstreamGradient(root, grad);
  }
  const order = topologicalOrder(root);
  const pending = new Map<Tensor, PendingGrad>();
  pending.set(root, { data: seed, owned: false });
  for (let idx = order.length - 1; idx >= 0; idx--) {
    const t = order[idx];
    const entry = pending.get(t);
    if (!entry) continue;
    pending.delete(t);
    const node: GraphNode | null = t.node;
    if (node === null) {
      accumulateLeaf(t, entry.data, entry.owned);
      continue;
    }
    if (node.backward === null) {
      throw new Error(
        `backward: the graph through '${node.op}' was already released; pass { retainGraph: true } to the first backward`,
      );
    }
    const grads = node.backward(entry.data, entry.owned);
    // The gradient just consumed is the tape's own: back to the pool unless passed on to an input.
    if (entry.owned && !shares(grads, entry.data)) recycle(entry.data);
    for (let i = 0; i < node.inputs.length; i++) {
      const g = grads[i];
      const input = node.inputs[i];
      if (g && input.requiresGrad) accumulate(pending, input, g);
    }
    if (!options.retainGraph) {
      node.backward = null;
      node.inputs = [];
      node.release?.();
      node.release = null;
    }
  }
}

function accumulateLeaf(t: Tensor, g: FloatArray, owned = false): void {
  if (t.grad === null) {
    if (owned && (t.dtype === 'float64' ? g instanceof Float64Array : g instanceof Float32Array)) {
      t.grad = new Tensor(g, t.shape); // the op's own new array: adopted, not copied
      return;
    }
    // alloc + set rather than slice: .grad always has its tensor's dtype, whatever array came in.
    const own = alloc(t.dtype, t.size);
    own.set(g);
    t.grad = new Tensor(own, t.shape);
    return;
  }
  addAll(t.grad.data, g);
  if (owned) recycle(g);
}

/** Clears the gradients of the given tensors. */
export function zeroGrad(tensors: Iterable<Tensor>): void {
  for (const t of tensors) t.grad = null;
}
