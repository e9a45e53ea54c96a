// Flattening and diffing of run configs: the Runs view shows only the keys whose values differ.
import { fmtExact } from '../../../electron/figures/numberFormat';

export type Flat = Record<string, string>;

/** {a:{b:1}, xs:[{u:2}], d:[0,1]} -> {"a.b":"1", "xs.0.u":"2", "d":"[0,1]"} (arrays of primitives stay one value). */
export function flatten(value: unknown, prefix = '', out: Flat = {}): Flat {
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) {
      out[prefix] = value.every((v) => typeof v === 'number') ? `[${value.map(fmtExact).join(',')}]` : JSON.stringify(value);
      return out;
    }
    if (value.length === 0) out[prefix] = '[]';
    value.forEach((v, i) => flatten(v, prefix ? `${prefix}.${i}` : String(i), out));
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out[prefix] = '{}';
    for (const [k, v] of entries) if (v !== undefined) flatten(v, prefix ? `${prefix}.${k}` : k, out);
    return out;
  }
  // Numbers in one notation (1e-5 and 1e-7, not 0.00001 and 1e-7), every digit kept.
  if (value !== undefined) out[prefix] = typeof value === 'string' ? value : typeof value === 'number' ? fmtExact(value) : JSON.stringify(value);
  return out;
}

export interface DiffRow {
  key: string;
  /** One per compared object; null where the key is absent. */
  values: (string | null)[];
}

/** Keys whose values are not the same in all objects, in a stable order. */
export function diffConfigs(objects: unknown[], ignore: (key: string) => boolean = () => false): DiffRow[] {
  const flats = objects.map((o) => flatten(o));
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const f of flats)
    for (const k of Object.keys(f))
      if (!seen.has(k)) {
        seen.add(k);
        keys.push(k);
      }
  const rows: DiffRow[] = [];
  for (const key of keys) {
    if (ignore(key)) continue;
    const values = flats.map((f) => (key in f ? f[key]! : null));
    if (values.some((v) => v !== values[0])) rows.push({ key, values });
  }
  return rows;
}
