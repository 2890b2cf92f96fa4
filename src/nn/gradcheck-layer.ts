import { type GradcheckOptions, type GradcheckResult, gradcheck } from '../gradcheck.js';
import { checkOptions, knownOptions } from '../options.js';
import { Generator } from '../random.js';
import { Tensor } from '../tensor.js';
import type { Module } from './module.js';

export interface LayerGradcheckOptions extends GradcheckOptions {
  /** The mask of padded steps handed to the layer, [batch, steps] (a constant). */
  mask?: Tensor | null;
  /** Differentiate with respect to the input too (default true; false for token ids). */
  wrtInput?: boolean;
  /** Seeds the layer's weights when this call builds it. Default 1. */
  buildSeed?: number;
}

const LAYER_GRADCHECK_OPTIONS = knownOptions<LayerGradcheckOptions>({
  eps: true,
  atol: true,
  rtol: true,
  seed: true,
  label: true,
  raise: true,
  mask: true,
  wrtInput: true,
  buildSeed: true,
});

/** The field each parameter name lives in, on the layers that have parameters. */
const FIELDS: Record<string, string> = {
  kernel: 'kernel',
  recurrent_kernel: 'recurrentKernel',
  bias: 'bias',
  embeddings: 'embeddings',
};

/**
 * gradcheck of a whole layer: its output (given x and the mask) against central differences with
 * respect to x and every parameter, in float64. The layer is built in float64 from x's shape if it
 * is not built yet; a built layer must hold float64 parameters. Its parameters are restored after.
 */
export function gradcheckLayer(
  layer: Module,
  x: Tensor,
  options: LayerGradcheckOptions = {},
): GradcheckResult {
  const {
    mask = null,
    wrtInput = true,
    buildSeed = 1,
    ...rest
  } = checkOptions('gradcheckLayer', options, LAYER_GRADCHECK_OPTIONS);
  if (!(x instanceof Tensor) || x.dtype !== 'float64') {
    throw new Error('gradcheckLayer: x must be a float64 Tensor (use .to("float64"))');
  }
  if (!layer.built)
    layer.buildShape(x.shape.slice(1), { generator: new Generator(buildSeed), dtype: 'float64' });
  const own = layer.ownParameters();
  for (const [name, p] of own) {
    if (p.dtype !== 'float64') {
      throw new Error(`gradcheckLayer: ${layer.name}/${name} is ${p.dtype}; build the layer in float64`);
    }
    if (!(name in FIELDS)) throw new Error(`gradcheckLayer: does not know where parameter '${name}' lives`);
  }
  const target = layer as unknown as Record<string, Tensor | null>;
  const saved = own.map(([name]) => target[FIELDS[name]]);
  const input = new Tensor(x.data.slice(), x.shape, wrtInput);
  const params = own.map(([, p]) => new Tensor(p.data.slice(), p.shape, true));
  try {
    return gradcheck(
      (xin, ...ps) => {
        own.forEach(([name], i) => {
          target[FIELDS[name]] = ps[i];
        });
        return layer.forwardMasked(xin, mask).output;
      },
      [input, ...params],
      { label: `${layer.className} '${layer.name}'`, ...rest },
    );
  } finally {
    own.forEach(([name], i) => {
      target[FIELDS[name]] = saved[i];
    });
  }
}
