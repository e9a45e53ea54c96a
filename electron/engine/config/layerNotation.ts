// The short notation of a layer, in network summaries (784-conv16k3s2p1-maxpool2-10)
// and in `racecar train --layers`: one definition, read and written here.
import { ConfigError, type LayerConfig, type LayerConfigInput } from './schema';

/** A layer's short label: 512 (dense), conv16k3s2p1, maxpool2, res32s2. */
export function layerLabel(l: LayerConfig): string {
  switch (l.type) {
    case undefined:
    case 'dense':
      return String(l.units);
    case 'conv':
      return `conv${l.filters}k${l.kernel}${l.stride > 1 ? `s${l.stride}` : ''}${l.padding ? `p${l.padding}` : ''}`;
    case 'pool':
      return `${l.kind}pool${l.size}`;
    case 'residual':
      return `res${l.filters}${l.stride > 1 ? `s${l.stride}` : ''}`;
  }
}

const NOTATION =
  'a unit count (128), conv<filters>k<kernel>[s<stride>][p<padding>] (conv16k3s2p1), maxpool<size> / avgpool<size> (maxpool2) or res<filters>[s<stride>] (res16s2)';

/** The inverse of layerLabel (defaults for what it leaves out); a one-line ConfigError naming the entry otherwise. */
export function parseLayerLabel(text: string, field = '--layers'): LayerConfigInput {
  const t = text.trim().toLowerCase();
  let m: RegExpExecArray | null;
  const n = (s: string | undefined) => (s === undefined ? undefined : Number(s));
  if ((m = /^(\d+)$/.exec(t))) return { units: Number(m[1]) };
  if ((m = /^conv(\d+)(?:k(\d+))?(?:s(\d+))?(?:p(\d+))?$/.exec(t))) {
    return {
      type: 'conv',
      filters: Number(m[1]),
      ...(m[2] ? { kernel: n(m[2]) } : {}),
      ...(m[3] ? { stride: n(m[3]) } : {}),
      ...(m[4] ? { padding: n(m[4]) } : {}),
    };
  }
  if ((m = /^(max|avg)pool(\d+)?$/.exec(t))) return { type: 'pool', kind: m[1] as 'max' | 'avg', ...(m[2] ? { size: n(m[2]) } : {}) };
  if ((m = /^res(\d+)(?:s(\d+))?$/.exec(t))) return { type: 'residual', filters: Number(m[1]), ...(m[2] ? { stride: n(m[2]) } : {}) };
  throw new ConfigError(`${field}: "${text}" is not a layer: use ${NOTATION}`);
}
