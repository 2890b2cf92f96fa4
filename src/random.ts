/**
 * The one source of randomness: xoshiro128** seeded through splitmix32. Initializers, dropout
 * masks, shuffles, splits and synthetic data all draw from a `Generator`, by default the global one
 * that `manualSeed` resets, so one seed reproduces a whole run.
 */

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  constructor(seed = 42) {
    this.seed(seed);
  }

  /** Resets the stream; any integer (or integer-valued number) is a valid seed. */
  seed(seed: number): this {
    if (!Number.isFinite(seed)) throw new Error(`random: seed must be a finite number, got ${seed}`);
    const next = splitmix32(Math.floor(seed) ^ Math.floor(seed / 0x100000000));
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    this.spare = null;
    return this;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /**
   * Fills `out` with the next out.length values of nextUint32, with the state held in locals for
   * the whole loop (dropout draws thousands per training step; this is the same stream, faster).
   */
  fillUint32(out: Uint32Array): Uint32Array {
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = 0; i < out.length; i++) {
      const r = Math.imul(s1, 5);
      out[i] = Math.imul((r << 7) | (r >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
    }
    this.s0 = s0 >>> 0;
    this.s1 = s1 >>> 0;
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
    return out;
  }

  /**
   * The four 32-bit words of the xoshiro128** state, written into `out` (for a kernel that draws
   * from this stream itself, such as dropout's; `setState` takes the advanced words back).
   */
  getState(out: Uint32Array = new Uint32Array(4)): Uint32Array {
    out[0] = this.s0;
    out[1] = this.s1;
    out[2] = this.s2;
    out[3] = this.s3;
    return out;
  }

  /** Continues the stream from a state `getState` gave (the cached second normal is kept). */
  setState(state: ArrayLike<number>): this {
    if (state.length !== 4) throw new Error(`random: a state is 4 words, got ${state.length}`);
    if (state[0] === 0 && state[1] === 0 && state[2] === 0 && state[3] === 0) {
      throw new Error('random: the all-zero state is not a valid xoshiro128** state');
    }
    this.s0 = state[0] >>> 0;
    this.s1 = state[1] >>> 0;
    this.s2 = state[2] >>> 0;
    this.s3 = state[3] >>> 0;
    return this;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.random();
  }

  /** Standard normal (Box-Muller, both values used). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return mean + std * v;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`random: int(n) needs a positive integer, got ${n}`);
    return Math.floor(this.random() * n);
  }

  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T, A extends { length: number; [i: number]: T }>(arr: A): A {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = arr[i];
      arr[i] = arr[j];
      arr[j] = tmp;
    }
    return arr;
  }

  /** 0..n-1 in random order. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** A new generator seeded from this one: an independent stream that is still reproducible. */
  fork(): Generator {
    return new Generator(this.nextUint32());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

let globalGenerator = new Generator(42);

/** The generator everything random uses unless handed another. */
export function defaultGenerator(): Generator {
  return globalGenerator;
}

/** Reseeds the global generator (like torch.manual_seed). */
export function manualSeed(seed: number): void {
  globalGenerator = new Generator(seed);
}
