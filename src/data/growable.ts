/**
 * A typed array filled one value at a time when the final length is not known in advance (a value
 * per row of a streamed file). It grows in fixed blocks, so no copy of the whole grows with it; the
 * blocks are joined once at the end.
 */
type Numeric = Float32Array | Float64Array | Int32Array | Uint8Array;

const BLOCK = 1 << 16;

export class Growable<T extends Numeric> {
  private blocks: T[] = [];
  private current: T;
  private used = 0;
  private full = 0;

  constructor(private readonly make: (n: number) => T) {
    this.current = make(BLOCK);
  }

  get length(): number {
    return this.full + this.used;
  }

  push(v: number): void {
    if (this.used === BLOCK) {
      this.blocks.push(this.current);
      this.full += BLOCK;
      this.current = this.make(BLOCK);
      this.used = 0;
    }
    this.current[this.used++] = v;
  }

  /** The values as one array; each block is released as soon as it is copied. */
  toArray(): T {
    const out = this.make(this.length);
    let o = 0;
    for (let k = 0; k < this.blocks.length; k++) {
      const b = this.blocks[k];
      out.set(b as never, o);
      o += b.length;
      this.blocks[k] = null as unknown as T;
    }
    out.set(this.current.subarray(0, this.used) as never, o);
    this.blocks = [];
    this.current = this.make(0);
    this.full = 0;
    this.used = 0;
    return out;
  }
}
