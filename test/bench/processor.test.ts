import { describe, expect, it } from 'vitest';
import { processor, simdLevel } from '../../bench/processor';

describe('the bench’s processor line', () => {
  it('names the widest SIMD level from the CPU flags', () => {
    expect(simdLevel(['fpu', 'sse2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512bw'], 'x64')).toBe('AVX-512');
    expect(simdLevel(['sse2', 'avx', 'avx2', 'fma'], 'x64')).toBe('AVX2');
    expect(simdLevel(['sse2'], 'x64')).toBe('SSE');
    expect(simdLevel(['fp', 'asimd'], 'arm64')).toBe('NEON');
  });
  it('reads the flags line of /proc/cpuinfo', () => {
    expect(processor('processor\t: 0\nflags\t\t: fpu sse2 avx avx2\n', 'x64').simd).toBe('AVX2');
  });
});
