// The safetensors format (huggingface/safetensors), float32 only, which is all
// the workbench stores: an 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string:
// string}}, padded with spaces to 8 bytes, then the raw little-endian bytes.
// PyTorch (safetensors.torch.load_file), numpy (safetensors.numpy) and others
// read it as it is; no text encoding of numbers on the way, so a checkpoint
// costs its bytes, not a string several times their size.

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

/** Larger headers are refused when reading: a corrupt length must not allocate gigabytes. */
const MAX_HEADER_BYTES = 64 * 2 ** 20;

export function encodeSafetensors(tensors: [string, NamedTensor][], metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__' || name in header) throw new Error(`safetensors: tensor name "${name}" is reserved or used twice`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`safetensors: tensor "${name}" has ${t.data.length} values but shape [${t.shape.join(', ')}]`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const head = Buffer.from(json, 'utf8');
  const out = Buffer.allocUnsafe(8 + head.length + offset);
  out.writeBigUInt64LE(BigInt(head.length), 0);
  head.copy(out, 8);
  let at = 8 + head.length;
  for (const [, t] of tensors) {
    const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    // Float32Array is the machine's byte order; the format is little-endian (every platform Node runs on here).
    bytes.copy(out, at);
    at += bytes.length;
  }
  return out;
}

/** Whether the bytes start like a safetensors file (a JSON object header of a plausible length). */
export function isSafetensors(buf: Buffer): boolean {
  if (buf.length < 10) return false;
  const n = buf.readBigUInt64LE(0);
  return n >= 2n && n <= BigInt(Math.min(MAX_HEADER_BYTES, buf.length - 8)) && buf[8] === 0x7b;
}

/** The tensors (copied out, aligned) and metadata of a safetensors file; throws naming what is wrong. */
export function decodeSafetensors(buf: Buffer): { tensors: Map<string, NamedTensor>; metadata: Record<string, string> } {
  if (!isSafetensors(buf)) throw new Error('not a safetensors file (no JSON header after its 8-byte length)');
  const n = Number(buf.readBigUInt64LE(0));
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.toString('utf8', 8, 8 + n)) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`safetensors header is not valid JSON: ${(e as Error).message}`);
  }
  const dataStart = 8 + n;
  const dataBytes = buf.length - dataStart;
  const tensors = new Map<string, NamedTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const t = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (t.dtype !== 'F32') throw new Error(`safetensors tensor "${name}": dtype ${JSON.stringify(t.dtype)}, only F32 is read here`);
    const shape = t.shape as number[];
    const [begin, end] = t.data_offsets as [number, number];
    const count = Array.isArray(shape) ? shape.reduce((a, b) => a * b, 1) : NaN;
    if (
      !Number.isSafeInteger(count) ||
      !Number.isSafeInteger(begin) ||
      !Number.isSafeInteger(end) ||
      begin < 0 ||
      end > dataBytes ||
      end - begin !== 4 * count
    ) {
      throw new Error(`safetensors tensor "${name}": shape ${JSON.stringify(shape)} and data_offsets ${JSON.stringify(t.data_offsets)} do not fit the file`);
    }
    const data = new Float32Array(count);
    new Uint8Array(data.buffer).set(buf.subarray(dataStart + begin, dataStart + end));
    tensors.set(name, { shape, data });
  }
  return { tensors, metadata };
}
