import {
  ACTIVATIONS,
  type Activation,
  RECURRENT_ACTIVATIONS,
  type RecurrentActivation,
} from '../kernels/types.js';
import { gru, lstm, simpleRnn } from '../ops/recurrent.js';
import { checkOptions, knownOptions } from '../options.js';
import { defaultGenerator } from '../random.js';
import { alloc, formatShape, Tensor } from '../tensor.js';
import { initKernel, initOrthogonal } from './initializers.js';
import { type BuildContext, type LayerConfig, type MaskedOutput, Module } from './module.js';

export type RecurrentInitializer = 'orthogonal' | 'glorotUniform';
export const RECURRENT_INITIALIZERS: readonly RecurrentInitializer[] = ['orthogonal', 'glorotUniform'];

export interface RecurrentLayerOptions {
  /** The cell's activation. Default 'tanh'. */
  activation?: Activation;
  useBias?: boolean;
  /** Every step's output [batch, steps, units] (for another recurrent layer), not only the last. */
  returnSequences?: boolean;
  /** Default 'orthogonal', as in Keras (the input kernel is always Glorot-uniform). */
  recurrentInitializer?: RecurrentInitializer;
  /** [steps, features] of one example, when this is the first layer. */
  inputShape?: readonly number[];
  name?: string;
}

export interface GruLayerOptions extends RecurrentLayerOptions {
  /** The gates' activation. Default 'sigmoid' (Keras 2; TF.js's default is 'hardSigmoid'). */
  recurrentActivation?: RecurrentActivation;
  /** Keras 2's default true (separate input and recurrent biases); false is Keras 1's and TF.js's GRU. */
  resetAfter?: boolean;
}

export interface LstmLayerOptions extends RecurrentLayerOptions {
  recurrentActivation?: RecurrentActivation;
  /** The forget gate's bias starts at 1 (Keras's unit_forget_bias). Default true. */
  unitForgetBias?: boolean;
}

const COMMON = {
  activation: true,
  useBias: true,
  returnSequences: true,
  recurrentInitializer: true,
  inputShape: true,
  name: true,
} as const;
const RNN_LAYER_OPTIONS = knownOptions<RecurrentLayerOptions>(COMMON);
const GRU_LAYER_OPTIONS = knownOptions<GruLayerOptions>({
  ...COMMON,
  recurrentActivation: true,
  resetAfter: true,
});
const LSTM_LAYER_OPTIONS = knownOptions<LstmLayerOptions>({
  ...COMMON,
  recurrentActivation: true,
  unitForgetBias: true,
});

/**
 * What SimpleRNN, GRU and LSTM share: weights in Keras's layout (kernel [features, gates * units]
 * Glorot-uniform, recurrentKernel [units, gates * units] orthogonal, zero bias), the mask of padded
 * steps honoured (those steps are skipped, the state carried over), and the output's shape.
 */
abstract class RecurrentLayer extends Module {
  readonly units: number;
  readonly activation: Activation;
  readonly useBias: boolean;
  readonly returnSequences: boolean;
  readonly recurrentInitializer: RecurrentInitializer;
  readonly declaredShape: number[] | null;
  kernel: Tensor | null = null;
  recurrentKernel: Tensor | null = null;
  bias: Tensor | null = null;

  constructor(kind: string, units: number, options: RecurrentLayerOptions) {
    super(options.name);
    if (!Number.isInteger(units) || units <= 0)
      throw new Error(`${kind}: units must be a positive integer, got ${units}`);
    const {
      activation = 'tanh',
      useBias = true,
      returnSequences = false,
      recurrentInitializer = 'orthogonal',
    } = options;
    if (!ACTIVATIONS.includes(activation)) {
      throw new Error(`${kind}: unknown activation '${activation}'; use one of ${ACTIVATIONS.join(', ')}`);
    }
    if (!RECURRENT_INITIALIZERS.includes(recurrentInitializer)) {
      throw new Error(
        `${kind}: unknown recurrentInitializer '${recurrentInitializer}'; use one of ${RECURRENT_INITIALIZERS.join(', ')}`,
      );
    }
    for (const [what, v] of [
      ['useBias', useBias],
      ['returnSequences', returnSequences],
    ] as const) {
      if (typeof v !== 'boolean') throw new Error(`${kind}: ${what} must be true or false, got ${v}`);
    }
    const shape = options.inputShape;
    if (shape !== undefined && (shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d > 0))) {
      throw new Error(
        `${kind}: inputShape must be [steps, features] of positive integers, got ${formatShape(shape)}`,
      );
    }
    this.units = units;
    this.activation = activation;
    this.useBias = useBias;
    this.returnSequences = returnSequences;
    this.recurrentInitializer = recurrentInitializer;
    this.declaredShape = shape ? [...shape] : null;
  }

  /** Gates of the cell: 1 (SimpleRNN), 3 (GRU), 4 (LSTM). */
  protected abstract get gates(): number;

  /** The bias's shape and initial values. */
  protected abstract initialBias(dtype: BuildContext['dtype']): Tensor;

  /** The op over the whole sequence. */
  protected abstract run(x: Tensor, mask: Tensor | null): Tensor;

  override declaredInputShape(): number[] | null {
    return this.declaredShape;
  }

  override outputDim(): number {
    return this.units;
  }

  override outputShape(inputShape: readonly number[]): number[] {
    return this.returnSequences ? [inputShape[0], this.units] : [this.units];
  }

  override buildShape(inputShape: readonly number[], ctx: BuildContext): number[] {
    if (inputShape.length !== 2) {
      throw new Error(
        `${this.className} '${this.name}': input must be sequences [batch, steps, features], got examples of shape ${formatShape(inputShape)}`,
      );
    }
    this.build(inputShape[1], ctx);
    return this.outputShape(inputShape);
  }

  override build(inputDim: number, ctx: BuildContext): number {
    const g = this.gates * this.units;
    this.kernel = new Tensor(
      initKernel('glorotUniform', inputDim, g, ctx.generator, ctx.dtype),
      [inputDim, g],
      true,
    );
    const rec =
      this.recurrentInitializer === 'orthogonal'
        ? initOrthogonal(this.units, g, ctx.generator, ctx.dtype)
        : initKernel('glorotUniform', this.units, g, ctx.generator, ctx.dtype);
    this.recurrentKernel = new Tensor(rec, [this.units, g], true);
    this.bias = this.useBias ? this.initialBias(ctx.dtype) : null;
    this.inputDim = inputDim;
    return this.units;
  }

  override ownParameters(): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    if (this.kernel) out.push(['kernel', this.kernel]);
    if (this.recurrentKernel) out.push(['recurrent_kernel', this.recurrentKernel]);
    if (this.bias) out.push(['bias', this.bias]);
    return out;
  }

  override get supportsMasking(): boolean {
    return true;
  }

  forward(x: Tensor): Tensor {
    return this.forwardMasked(x, null).output;
  }

  override forwardMasked(x: Tensor, mask: Tensor | null): MaskedOutput {
    if (x.ndim !== 3) {
      throw new Error(
        `${this.className} '${this.name}': input must be [batch, steps, features], got ${formatShape(x.shape)}`,
      );
    }
    if (this.kernel === null)
      this.buildShape(x.shape.slice(1), { generator: defaultGenerator(), dtype: x.dtype });
    const features = (this.kernel as Tensor).shape[0];
    if (x.shape[2] !== features) {
      throw new Error(
        `${this.className} '${this.name}': input has ${x.shape[2]} features per step but the layer expects ${features}`,
      );
    }
    return { output: this.run(x, mask), mask: this.returnSequences ? mask : null };
  }

  protected baseConfig(): LayerConfig {
    return {
      type: this.className,
      name: this.name,
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      returnSequences: this.returnSequences,
      recurrentInitializer: this.recurrentInitializer,
      ...(this.declaredShape !== null ? { inputShape: this.declaredShape } : {}),
    };
  }
}

function zeros(dtype: BuildContext['dtype'], shape: number[]): Tensor {
  return new Tensor(
    alloc(
      dtype,
      shape.reduce((p, d) => p * d, 1),
    ),
    shape,
    true,
  );
}

function checkGateActivation(kind: string, a: RecurrentActivation): RecurrentActivation {
  if (!RECURRENT_ACTIVATIONS.includes(a)) {
    throw new Error(
      `${kind}: unknown recurrentActivation '${a}'; use one of ${RECURRENT_ACTIVATIONS.join(', ')}`,
    );
  }
  return a;
}

/** Keras's SimpleRNN: h_t = act(x_t W + h_(t-1) U + b). */
export class SimpleRNN extends RecurrentLayer {
  constructor(units: number, options: RecurrentLayerOptions = {}) {
    super('SimpleRNN', units, checkOptions('SimpleRNN', options, RNN_LAYER_OPTIONS));
  }

  get className(): string {
    return 'SimpleRNN';
  }

  protected get gates(): number {
    return 1;
  }

  protected initialBias(dtype: BuildContext['dtype']): Tensor {
    return zeros(dtype, [this.units]);
  }

  protected run(x: Tensor, mask: Tensor | null): Tensor {
    return simpleRnn(x, this.kernel as Tensor, this.recurrentKernel as Tensor, this.bias, {
      mask,
      returnSequences: this.returnSequences,
      activation: this.activation,
    });
  }

  config(): LayerConfig {
    return this.baseConfig();
  }
}

/**
 * Keras's GRU (gates z, r, h; h = z h_prev + (1 - z) candidate). resetAfter (default true, Keras
 * 2): bias [2, 3 units], input and recurrent; false: bias [3 units] (Keras 1, and TF.js's only GRU).
 */
export class GRU extends RecurrentLayer {
  readonly recurrentActivation: RecurrentActivation;
  readonly resetAfter: boolean;

  constructor(units: number, options: GruLayerOptions = {}) {
    super('GRU', units, checkOptions('GRU', options, GRU_LAYER_OPTIONS));
    this.recurrentActivation = checkGateActivation('GRU', options.recurrentActivation ?? 'sigmoid');
    const resetAfter = options.resetAfter ?? true;
    if (typeof resetAfter !== 'boolean')
      throw new Error(`GRU: resetAfter must be true or false, got ${resetAfter}`);
    this.resetAfter = resetAfter;
  }

  get className(): string {
    return 'GRU';
  }

  protected get gates(): number {
    return 3;
  }

  protected initialBias(dtype: BuildContext['dtype']): Tensor {
    return zeros(dtype, this.resetAfter ? [2, 3 * this.units] : [3 * this.units]);
  }

  protected run(x: Tensor, mask: Tensor | null): Tensor {
    return gru(x, this.kernel as Tensor, this.recurrentKernel as Tensor, this.bias, {
      mask,
      returnSequences: this.returnSequences,
      activation: this.activation,
      recurrentActivation: this.recurrentActivation,
      resetAfter: this.resetAfter,
    });
  }

  config(): LayerConfig {
    return {
      ...this.baseConfig(),
      recurrentActivation: this.recurrentActivation,
      resetAfter: this.resetAfter,
    };
  }
}

/** Keras's LSTM (gates i, f, c, o), with the forget gate's bias starting at 1 (unitForgetBias). */
export class LSTM extends RecurrentLayer {
  readonly recurrentActivation: RecurrentActivation;
  readonly unitForgetBias: boolean;

  constructor(units: number, options: LstmLayerOptions = {}) {
    super('LSTM', units, checkOptions('LSTM', options, LSTM_LAYER_OPTIONS));
    this.recurrentActivation = checkGateActivation('LSTM', options.recurrentActivation ?? 'sigmoid');
    const unitForgetBias = options.unitForgetBias ?? true;
    if (typeof unitForgetBias !== 'boolean') {
      throw new Error(`LSTM: unitForgetBias must be true or false, got ${unitForgetBias}`);
    }
    this.unitForgetBias = unitForgetBias;
  }

  get className(): string {
    return 'LSTM';
  }

  protected get gates(): number {
    return 4;
  }

  protected initialBias(dtype: BuildContext['dtype']): Tensor {
    const b = zeros(dtype, [4 * this.units]);
    if (this.unitForgetBias) b.data.fill(1, this.units, 2 * this.units);
    return b;
  }

  protected run(x: Tensor, mask: Tensor | null): Tensor {
    return lstm(x, this.kernel as Tensor, this.recurrentKernel as Tensor, this.bias, {
      mask,
      returnSequences: this.returnSequences,
      activation: this.activation,
      recurrentActivation: this.recurrentActivation,
    });
  }

  config(): LayerConfig {
    return {
      ...this.baseConfig(),
      recurrentActivation: this.recurrentActivation,
      unitForgetBias: this.unitForgetBias,
    };
  }
}
