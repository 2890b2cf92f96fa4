/**
 * The computation graph the engine records, exported as a Mermaid flowchart: the same picture as
 * the paper's pipeline diagram, but drawn from the tape that backward() walks.
 *
 *   npm run example:6   (writes runs/graph.mmd; GitHub renders ```mermaid blocks)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as tg from '../src/index.js';
import { type ExampleOptions, runIfMain } from './run-main.js';

export async function main({
  print = console.log,
  out = 'runs/graph.mmd',
}: ExampleOptions & { out?: string | null } = {}) {
  const gen = new tg.Generator(3);
  const named = (t: tg.Tensor, name: string) => Object.assign(t, { name });
  const x = named(tg.randn([32, 10], { generator: gen }), 'X batch');
  const w1 = named(tg.randn([10, 64], { generator: gen, std: 0.3, requiresGrad: true }), 'W1');
  const b1 = named(tg.zeros([64], { requiresGrad: true }), 'b1');
  const w2 = named(tg.randn([64, 1], { generator: gen, std: 0.3, requiresGrad: true }), 'W2');
  const b2 = named(tg.zeros([1], { requiresGrad: true }), 'b2');
  const y = named(tg.zeros([32, 1]), 'y');

  const h1 = named(tg.dense(x, w1, b1, 'relu'), 'h1');
  const h1d = named(tg.dropout(h1, 0.5, { generator: gen }), 'h1 dropped');
  const p = named(tg.dense(h1d, w2, b2, 'sigmoid'), 'p');
  const loss = named(tg.bce(p, y), 'loss');

  const text = tg.toMermaid(loss);
  print('```mermaid');
  print(text.trimEnd());
  print('```');
  if (out) {
    mkdirSync('runs', { recursive: true });
    writeFileSync(out, text);
    print(`\nwritten to ${out}`);
  }
  return text;
}

runIfMain(import.meta.url, main);
