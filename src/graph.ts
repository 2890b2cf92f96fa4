import { topologicalOrder } from './autograd.js';
import { checkOptions, knownOptions } from './options.js';
import { formatShape, type Tensor } from './tensor.js';

export interface MermaidOptions {
  direction?: 'LR' | 'TB';
}

const MERMAID_OPTIONS = knownOptions<MermaidOptions>({ direction: true });

/**
 * The recorded computation graph behind `root` as a Mermaid flowchart: one box per tensor (its
 * name or "leaf", shape, and whether it needs a gradient) and one rounded node per op, with edges
 * in the direction data flows. Paste it into any Mermaid renderer (GitHub renders it in Markdown).
 */
export function toMermaid(root: Tensor, options: MermaidOptions = {}): string {
  checkOptions('toMermaid', options, MERMAID_OPTIONS);
  const order = topologicalOrder(root);
  const ids = new Map<Tensor, string>();
  order.forEach((t, i) => ids.set(t, `t${i}`));
  const lines = [`flowchart ${options.direction ?? 'LR'}`];
  for (const t of order) {
    const id = ids.get(t)!;
    const label = `${t.name ?? (t.node ? t.node.op : 'leaf')} ${formatShape(t.shape)}${t.node === null && t.requiresGrad ? ' ∂' : ''}`;
    lines.push(`  ${id}["${label}"]`);
    if (t.node) {
      const op = `${id}_op`;
      lines.push(`  ${op}(("${t.node.op}"))`);
      for (const input of t.node.inputs) {
        const src = ids.get(input);
        if (src) lines.push(`  ${src} --> ${op}`);
        else {
          // Constants that need no gradient are not on the tape's walk; show them anyway.
          const cid = `${op}_c${t.node.inputs.indexOf(input)}`;
          lines.push(`  ${cid}["${input.name ?? 'const'} ${formatShape(input.shape)}"] --> ${op}`);
        }
      }
      lines.push(`  ${op} --> ${id}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
