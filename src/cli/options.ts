import { InvalidArgumentError } from 'commander';

/** Commander parsers that refuse bad values with a message naming them. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a positive integer, got '${value}'`);
  return n;
}

export function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected an integer, got '${value}'`);
  return n;
}

export function fraction(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError(`expected a number between 0 and 1, got '${value}'`);
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n))
    throw new InvalidArgumentError(`expected a positive number, got '${value}'`);
  return n;
}

export function rate(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n < 1)) throw new InvalidArgumentError(`expected a rate in [0, 1), got '${value}'`);
  return n;
}

export function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function units(value: string): number[] {
  if (value.trim() === '' || value.trim() === 'none') return [];
  return list(value).map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`expected layer sizes like 64,32, got '${value}'`);
    return n;
  });
}

export function delimiter(value: string): string {
  const named: Record<string, string> = { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';' };
  const d = named[value] ?? value;
  if (d.length !== 1) throw new InvalidArgumentError(`expected one character (or tab), got '${value}'`);
  return d;
}

export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!choices.includes(value as T)) {
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got '${value}'`);
    }
    return value as T;
  };
}

/** A probability, for thresholds: a number in [0, 1]. */
export function probability(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0 && n <= 1)) {
    throw new InvalidArgumentError(`expected a probability between 0 and 1, got '${value}'`);
  }
  return n;
}

export const ENCODINGS = ['utf8', 'latin1'] as const;

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) {
    throw new InvalidArgumentError(`expected a whole number >= 0, got '${value}'`);
  }
  return n;
}

/** --epochs: a positive integer or 'auto'. */
export function epochsOption(value: string): number | 'auto' {
  return value === 'auto' ? 'auto' : positiveInt(value);
}

/** --ensemble: a positive integer or 'auto'. */
export function ensembleOption(value: string): number | 'auto' {
  return value === 'auto' ? 'auto' : positiveInt(value);
}
