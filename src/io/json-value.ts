/**
 * Plain JSON values as model.json stores them: a check that a value survives JSON unchanged, and
 * a canonical form to hash, so the checksum does not depend on key order or whitespace.
 */

/**
 * Throws, naming the path, for a value JSON would silently change: NaN and Infinity become null,
 * a typed array becomes an object of indices, undefined in an array becomes null, functions and
 * symbols vanish. Objects with toJSON are checked as what toJSON returns, as JSON.stringify does.
 */
export function checkJsonValue(where: string, value: unknown, path: string): void {
  const seen = new Set<object>();
  const walk = (v: unknown, p: string, inArray: boolean): void => {
    if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      v = (v as { toJSON: () => unknown }).toJSON();
    }
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
    if (typeof v === 'number') {
      if (!Number.isFinite(v))
        throw new Error(`${where}: ${p} is ${v}, which JSON cannot hold (it would load as null)`);
      return;
    }
    if (v === undefined) {
      if (inArray) throw new Error(`${where}: ${p} is undefined, which JSON stores as null`);
      return;
    }
    if (typeof v !== 'object') throw new Error(`${where}: ${p} is a ${typeof v}, which JSON cannot hold`);
    if (ArrayBuffer.isView(v)) {
      throw new Error(
        `${where}: ${p} is a ${v.constructor.name}, which JSON stores as an object of indices; pass Array.from(...)`,
      );
    }
    if (seen.has(v)) throw new Error(`${where}: ${p} refers back to itself`);
    seen.add(v);
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, `${p}[${i}]`, true));
    else {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        throw new Error(
          `${where}: ${p} is a ${v.constructor?.name ?? 'class instance'}, not plain JSON data`,
        );
      }
      for (const [k, item] of Object.entries(v)) walk(item, `${p}.${k}`, false);
    }
    seen.delete(v);
  };
  walk(value, path, false);
}

/** JSON with object keys sorted at every level and no whitespace: equal values, equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const keys = Object.keys(value as object)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}
