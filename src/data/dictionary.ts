/**
 * Distinct values of a column as integer codes, looked up by their bytes: a streamed CSV does not
 * make a string for a category it has seen before. Codes are dense (0, 1, 2, ... in order of first
 * appearance). A dictionary holds at most `capacity` values; past that it stops growing and says
 * so (`overflowed`), which is how an id column or a column of measurements is told apart from a
 * category without keeping millions of strings.
 */

/** `add` answers this for a new value when the dictionary is full. */
export const OVERFLOW = -2;
/** `find` answers this for a value that is not there. */
export const ABSENT = -1;

const encoder = new TextEncoder();

export class Dictionary {
  /** The values, by code. */
  readonly values: string[] = [];
  overflowed = false;
  private slots: Int32Array;
  private hashes = new Int32Array(16);
  private offsets = new Int32Array(17);
  private pool = new Uint8Array(256);
  private poolUsed = 0;
  /** Codes of values already looked up as strings (tables in memory look up by string). */
  private readonly byString = new Map<string, number>();

  constructor(readonly capacity = Number.POSITIVE_INFINITY) {
    this.slots = new Int32Array(32).fill(-1);
  }

  get size(): number {
    return this.values.length;
  }

  /** The code of bytes[start, end), or ABSENT. */
  find(bytes: Uint8Array, start: number, end: number): number {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
    const slots = this.slots;
    const mask = slots.length - 1;
    const length = end - start;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const code = slots[slot];
      if (code === -1) return ABSENT;
      if (this.hashes[code] !== h) continue;
      const from = this.offsets[code];
      if (this.offsets[code + 1] - from !== length) continue;
      const pool = this.pool;
      let k = 0;
      while (k < length && pool[from + k] === bytes[start + k]) k++;
      if (k === length) return code;
    }
  }

  /**
   * The code of bytes[start, end), added with `text` as its string when it is new: OVERFLOW when
   * the dictionary is full (and from then on `overflowed` is set).
   */
  add(bytes: Uint8Array, start: number, end: number, text: string): number {
    const h = hashBytes(bytes, start, end);
    const mask = this.slots.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const code = this.slots[slot];
      if (code === -1) {
        if (this.values.length >= this.capacity) {
          this.overflowed = true;
          return OVERFLOW;
        }
        return this.insert(slot, h, bytes, start, end, text);
      }
      if (this.hashes[code] === h && this.sameBytes(code, bytes, start, end)) return code;
    }
  }

  /** find or add for a string value (compared as its UTF-8 bytes). */
  lookupString(value: string, add: boolean): number {
    const known = this.byString.get(value);
    if (known !== undefined) return known;
    const bytes = encoder.encode(value);
    const code = add ? this.add(bytes, 0, bytes.length, value) : this.find(bytes, 0, bytes.length);
    if (code >= 0) this.byString.set(value, code);
    return code;
  }

  private sameBytes(code: number, bytes: Uint8Array, start: number, end: number): boolean {
    const from = this.offsets[code];
    if (this.offsets[code + 1] - from !== end - start) return false;
    for (let i = 0; i < end - start; i++) if (this.pool[from + i] !== bytes[start + i]) return false;
    return true;
  }

  private insert(slot: number, h: number, bytes: Uint8Array, start: number, end: number, text: string) {
    const code = this.values.length;
    const length = end - start;
    if (this.poolUsed + length > this.pool.length) {
      const pool = new Uint8Array(Math.max(this.pool.length * 2, this.poolUsed + length));
      pool.set(this.pool.subarray(0, this.poolUsed));
      this.pool = pool;
    }
    this.pool.set(bytes.subarray(start, end), this.poolUsed);
    this.poolUsed += length;
    if (code + 1 >= this.hashes.length) {
      this.hashes = grow(this.hashes, this.hashes.length * 2);
      this.offsets = grow(this.offsets, this.offsets.length * 2);
    }
    this.hashes[code] = h;
    this.offsets[code + 1] = this.poolUsed;
    this.values.push(text);
    this.slots[slot] = code;
    if (this.values.length * 2 > this.slots.length) this.rehash();
    return code;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let code = 0; code < this.values.length; code++) {
      let slot = this.hashes[code] & mask;
      while (slots[slot] !== -1) slot = (slot + 1) & mask;
      slots[slot] = code;
    }
    this.slots = slots;
  }
}

/** FNV-1a, 32 bits. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h;
}

function grow(a: Int32Array, length: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(length);
  out.set(a);
  return out;
}
