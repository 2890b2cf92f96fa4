/**
 * Checks the option objects of the public API against the keys their type declares. Without it a
 * misspelt or foreign key (Keras's `learning_rate`, PyTorch's `weight_decay`) is ignored and the
 * default is used in silence: the worst kind of wrong for a numerical library.
 */

/** The option names of an options type; built by `knownOptions`, read by `checkOptions`. */
export interface KnownOptions {
  readonly names: readonly string[];
  readonly set: ReadonlySet<string>;
}

/**
 * The keys of options type T, written as `{ key: true, ... }`: the compiler refuses a missing or
 * an extra key, so the list cannot drift from the interface.
 */
export function knownOptions<T extends object>(
  keys: { readonly [K in keyof Required<T>]: true },
): KnownOptions {
  const names = Object.keys(keys);
  return { names, set: new Set(names) };
}

/** The union of several lists (an options type that extends another). */
export function mergeOptions(...lists: KnownOptions[]): KnownOptions {
  const names = [...new Set(lists.flatMap((l) => l.names))];
  return { names, set: new Set(names) };
}

/**
 * Returns `options` (or `{}` when undefined) after checking that it is an object whose own keys
 * are all known; otherwise throws, naming the unknown keys, the known ones and the closest match:
 * `Adam: unknown option 'learning_rate'; known options: lr, learningRate, ... (did you mean 'learningRate'?)`.
 */
export function checkOptions<T extends object>(who: string, options: T | undefined, known: KnownOptions): T {
  if (options === undefined) return {} as T;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new Error(
      `${who}: options must be an object such as { ${known.names[0] ?? ''}: ... }, got ${describeValue(options)}; known options: ${known.names.join(', ')}`,
    );
  }
  let unknown: string[] | null = null;
  for (const key in options) {
    if (Object.hasOwn(options, key) && !known.set.has(key)) (unknown ??= []).push(key);
  }
  if (unknown === null) return options;
  const listed = unknown.map((k) => `'${k}'`).join(', ');
  const hints = unknown
    .map((k) => [k, closestOption(k, known.names)] as const)
    .filter(([, s]) => s !== null)
    .map(([k, s]) => (unknown.length === 1 ? `'${s}'` : `'${s}' for '${k}'`));
  throw new Error(
    `${who}: unknown option${unknown.length > 1 ? 's' : ''} ${listed}; known options: ${
      known.names.join(', ') || '(none)'
    }${hints.length > 0 ? ` (did you mean ${hints.join(', ')}?)` : ''}`,
  );
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array (${v.length} items)`;
  if (typeof v === 'string') return `the string '${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean') return `the ${typeof v} ${v}`;
  return typeof v;
}

/** Keras and PyTorch spellings fold onto ours once case, '_' and '-' are ignored. */
const fold = (s: string) => s.toLowerCase().replace(/[_\-\s]/g, '');

/** The known name a key most likely meant: equal once folded, else within a small edit distance. */
export function closestOption(key: string, names: readonly string[]): string | null {
  const k = fold(key);
  const same = names.find((n) => fold(n) === k);
  if (same !== undefined) return same;
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const n of names) {
    const f = fold(n);
    const d = editDistance(k, f);
    // At most 2 edits, and fewer than half the name: 'eps' is not a typo of 'lr'.
    if (d <= 2 && d * 2 < Math.max(f.length, k.length) && d < bestDistance) {
      best = n;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance with adjacent transpositions (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d = new Array<number>(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j] + 1, d[i * cols + j - 1] + 1, d[(i - 1) * cols + j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[(i - 2) * cols + j - 2] + 1);
      }
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1];
}
