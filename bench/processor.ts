// The processor a bench ran on, with its widest SIMD level: speed ratios
// against PyTorch change several-fold between AVX2 and AVX-512 machines, so
// every figure is printed with it.
import * as fs from 'node:fs';
import * as os from 'node:os';

export interface Processor {
  model: string;
  simd: 'AVX-512' | 'AVX2' | 'AVX' | 'SSE' | 'NEON' | 'unknown';
  cores: number;
}

/** The SIMD level from /proc/cpuinfo's flags (Linux), or from the architecture elsewhere. */
export function simdLevel(flags: string[], arch: string): Processor['simd'] {
  const has = (f: string) => flags.includes(f);
  if (arch === 'arm64') return 'NEON';
  if (has('avx512f')) return 'AVX-512';
  if (has('avx2')) return 'AVX2';
  if (has('avx')) return 'AVX';
  if (has('sse2')) return 'SSE';
  return 'unknown';
}

function readCpuinfo(): string {
  try {
    return fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

export function processor(cpuinfo = readCpuinfo(), arch = os.arch()): Processor {
  const flags = (/^(?:flags|Features)\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? '').split(/\s+/);
  return { model: os.cpus()[0]?.model ?? 'unknown', simd: simdLevel(flags, arch), cores: os.cpus().length };
}

export const describeProcessor = (p: Processor): string => `${p.model}, ${p.simd}, ${p.cores} cores`;
