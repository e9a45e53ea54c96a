// Validation of what the store reads back from disk. run.json and
// metrics.jsonl can be hand-edited, truncated by a full disk or written by
// another version, so nothing read is trusted until it passes these schemas.
import { z } from 'zod';
import { RunConfigSchema } from '../config/schema';
import type { EvalRecord, RunRecord } from '../types';

const nonNegInt = z.number().int().min(0);
const isoDate = z.iso.datetime({ offset: true });

// JSON has no NaN/Infinity: JSON.stringify writes them as null. A diverged
// loss is exactly what the user needs to see, so null reads back as NaN
// instead of making the whole line invalid, and a record about to be written
// may hold NaN or ±Infinity (z.number() refuses both).
const num = z.custom<number | null>((v) => v === null || typeof v === 'number', 'must be a number').transform((v) => (v === null ? NaN : v));

export const EvalRecordSchema = z.object({
  step: nonNegInt,
  epoch: z.number(),
  elapsed: num,
  stepsPerSec: num,
  loss: z.object({ total: num, ce: num, rr: z.array(num), ort: num }),
  trainAccuracy: num,
  testAccuracy: num,
  testRecon: z.array(num),
  infoPlane: z
    .object({
      bins: z.number(),
      samples: z.number(),
      forward: z.array(z.object({ ixt: num, ity: num })),
      reverse: z.array(z.object({ ixt: num, ity: num })),
    })
    .optional(),
});

export const SweepTagSchema = z.object({
  id: z.string().regex(/^\d{8}-\d{6}-[a-z0-9-]+-[0-9a-f]{4}$/, 'sweep.id must be a sweep id like 20250101-120000-name-1a2b'),
  point: nonNegInt,
});

export const RunRecordSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  status: z.enum(['queued', 'running', 'completed', 'cancelled', 'failed', 'diverged', 'interrupted']),
  config: RunConfigSchema,
  totalSteps: nonNegInt,
  backend: z.enum(['onnx', 'tensorflow', 'wasm', 'cpu']).nullable(),
  versions: z.record(z.string(), z.string()),
  createdAt: isoDate,
  startedAt: isoDate.optional(),
  finishedAt: isoDate.optional(),
  lastStep: nonNegInt,
  backwardSteps: z.array(nonNegInt),
  featureLayers: z.array(nonNegInt).optional(),
  checkpointSteps: z.array(nonNegInt),
  error: z.string().optional(),
  pid: z.number().int().positive().optional(),
  pidStart: z.string().optional(),
  host: z.string().optional(),
  dataInfo: z
    .object({
      name: z.string(),
      height: z.number().int().positive(),
      width: z.number().int().positive(),
      channels: z.number().int().positive().optional(),
      classNames: z.array(z.string()),
      trainCount: nonNegInt,
      testCount: nonNegInt,
    })
    .optional(),
  last: EvalRecordSchema.optional(),
  sweep: SweepTagSchema.optional(),
  tags: z.array(z.string()).optional(),
  notes: z.string().optional(),
});

// Compile-time guard: a field added to RunRecord or EvalRecord but not here
// would be silently stripped on every read-modify-write of run.json.
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
const recordKeysMatch: SameKeys<z.output<typeof RunRecordSchema>, RunRecord> = true;
const evalKeysMatch: SameKeys<z.output<typeof EvalRecordSchema>, EvalRecord> = true;
const recordAssignable: RunRecord = {} as z.output<typeof RunRecordSchema>;
const evalAssignable: EvalRecord = {} as z.output<typeof EvalRecordSchema>;
void [recordKeysMatch, evalKeysMatch, recordAssignable, evalAssignable];

/** One line, e.g. `config.network.layers: ... ` or `status: Invalid option ...`. */
export function describeRecordIssue(err: z.ZodError): string {
  const issue = err.issues[0];
  if (!issue) return 'invalid record';
  return `${issue.path.length ? issue.path.join('.') : 'record'}: ${issue.message}`;
}

export function parseRunRecord(data: unknown): RunRecord {
  const r = RunRecordSchema.safeParse(data);
  if (!r.success) throw new Error(describeRecordIssue(r.error));
  return r.data;
}

/** null when the value is not a valid EvalRecord. */
export function parseEvalRecord(data: unknown): EvalRecord | null {
  const r = EvalRecordSchema.safeParse(data);
  return r.success ? r.data : null;
}
