import type { Sequential } from '../nn/sequential.js';

const group = (n: number) => n.toLocaleString('en-US');

/** Keras's model.summary() table: layer (type), output shape, parameter count, totals. */
export function summaryTable(net: Sequential): string {
  if (net.inputDim === null) {
    throw new Error(
      'summary: the model is not built yet; give the first layer inputDim or call build(inputDim)',
    );
  }
  const rows: string[][] = [['Layer (type)', 'Output Shape', 'Param #']];
  let dim = net.inputDim;
  for (const layer of net.layers) {
    dim = layer.outputDim(dim);
    rows.push([
      `${layer.name} (${layer.className})`,
      `(None, ${dim})`,
      group(layer.parameterCount() + layer.bufferCount()),
    ]);
  }
  const widths = [0, 1, 2].map((j) => Math.max(...rows.map((r) => r[j].length)) + 4);
  const line = (r: string[]) =>
    r
      .map((cell, j) => (j === 2 ? cell : cell.padEnd(widths[j])))
      .join('')
      .trimEnd();
  const trainable = net.parameterCount();
  const fixed = net.bufferCount();
  const rule = '_'.repeat(widths[0] + widths[1] + widths[2]);
  return [
    `Model: "${net.name}"`,
    rule,
    line(rows[0]),
    '='.repeat(rule.length),
    ...rows.slice(1).map(line),
    '='.repeat(rule.length),
    `Total params: ${group(trainable + fixed)}`,
    `Trainable params: ${group(trainable)}`,
    `Non-trainable params: ${group(fixed)}`,
    rule,
  ].join('\n');
}
