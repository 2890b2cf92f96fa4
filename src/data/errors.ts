/**
 * The error every data-layer check throws. Besides a message a person can act on, it carries the
 * place (file line, column, offending value) so a CLI or a test can point at it.
 */
export class DataError extends Error {
  /** 1-based line of the file the offending record ends on; the header is line 1. */
  readonly row?: number;
  readonly column?: string;
  readonly value?: string;

  constructor(message: string, where: { row?: number; column?: string; value?: string } = {}) {
    super(message);
    this.name = 'DataError';
    this.row = where.row;
    this.column = where.column;
    this.value = where.value;
  }
}

/** Levenshtein distance, for "did you mean" hints on misspelt column names. */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length];
}

/** The candidate closest to `name` (case-insensitive), or undefined when nothing is close. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  // Further than a third of the name away is a different word, not a typo.
  return bestDistance <= Math.max(2, Math.ceil(name.length / 3)) ? best : undefined;
}

/** `'a', 'b', 'c'` for messages, shortened when long. */
export function quoteList(names: readonly string[], max = 30): string {
  const shown = names.slice(0, max).map((n) => `'${n}'`);
  if (names.length > max) shown.push(`... (${names.length - max} more)`);
  return shown.join(', ');
}
