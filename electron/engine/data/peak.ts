// Seeded generator for the "peak" data set of the reference experiments: two
// classes told apart only by where a small bright disk sits, plus one random
// free-hand stroke per image that carries no class information but dominates
// the pixel count. All constants are in pixels of the 28x28 reference and
// were fitted to its PNGs; other sizes scale every length by size/28.
import { Rng } from '../util/rng';
import { DataError, type Dataset, type Split } from './dataset';
import { checkDatasetSize } from './limits';

export interface PeakOptions {
  trainPerClass: number;
  testPerClass: number;
  size: number;
  seed: number;
}

const REF = 28;

/** Disk centres (x, y) in continuous coordinates, pixel k spanning [k, k+1): class 0 covers cols 4-9 / rows 5-10, class 1 cols/rows 19-24. */
const DISK_CENTRE: ReadonlyArray<readonly [number, number]> = [
  [7, 8],
  [22, 22],
];
// Anti-aliased disk: supersampled linear edge ramp; matches the reference disk to 2 grey levels RMS.
const DISK_RADIUS = 2.77;
const DISK_RAMP = 0.8;
const DISK_BOX_HALF = 3;

// Stroke cross-section: peak * (1 - (d/R)^2)^4, a Gaussian-like bump with compact support (the reference has
// almost no faint 1-2 grey halo), integrated width about 1.5 px; fitted to the reference grey-value histogram.
const STROKE_RADIUS = 2.3;
const STROKE_PEAK: readonly [number, number] = [240, 255];
// Pressure: peak * (1 - |OU deviation|), so the brightest spots reach the stroke's peak while typical ones sit lower.
const PRESSURE_SD = 0.15;
const PRESSURE_TAU = 6;
const PRESSURE_MIN = 0.7;
// Drawn arc length is log-normal, capped; strokes that do not fit are redrawn, so the kept ones are shorter. Together
// they give the reference's ink per image (mean about 80 px at full intensity, range 25-170).
const STROKE_LEN_MEDIAN = 86;
const STROKE_LEN_LOGSD = 0.5;
const STROKE_LEN_RANGE: readonly [number, number] = [14, 130];
// Pen motion: segments (mean length in px) that are straight or arcs with curvature sd in rad/px, joined at sharp corners
// (turn range in rad) with the given probability.
const SEG_LEN_MEAN = 10;
const STRAIGHT_PROB = 0.35;
const ARC_CURV_SD = 0.2;
const CORNER_PROB = 0.4;
// Tightest bend (1/radius): pens do not draw sub-2-px spirals.
const MAX_CURV = 0.5;
const CORNER_TURN: readonly [number, number] = [1.2, 2.9];
/** Stroke centroid (x, y) mean and sd per class: the reference strokes keep to the part of the frame away from the disk. */
const STROKE_CENTRE: ReadonlyArray<{ mean: readonly [number, number]; sd: readonly [number, number] }> = [
  { mean: [16.2, 17.4], sd: [3.6, 2.6] },
  { mean: [12.6, 10.2], sd: [3.6, 2.6] },
];
/** Share of strokes that must stay inside the frame; the rest may run off it, as about half of the reference's do. */
const CONTAINED = 0.7;
/** The others keep at least this share of their length in the frame, so that every image shows a real stroke. */
const MIN_INSIDE = 0.7;
const STEP = 0.35;

export function generatePeak(opts: PeakOptions): Dataset {
  const { trainPerClass, testPerClass, size, seed } = opts;
  for (const [k, v] of Object.entries({ trainPerClass, testPerClass, size })) {
    if (!Number.isInteger(v) || v < 1) throw new DataError(`peak data: ${k} must be a whole number of at least 1 (got ${v})`);
  }
  if (size < 16) throw new DataError(`peak data: size must be at least 16 px (got ${size})`);
  checkDatasetSize('peak data', 2 * (trainPerClass + testPerClass), size * size, 'lower trainPerClass or testPerClass');
  const scale = size / REF;
  const disks = DISK_CENTRE.map(([x, y]) => renderDisk(size, x * scale, y * scale, scale));
  const boxes = disks.map((d) => diskBox(d, size));
  // Separate streams for train and test so that changing the test count leaves the training images unchanged.
  const root = new Rng(seed);
  const trainRng = root.fork(1);
  const testRng = root.fork(2);
  return {
    name: 'peak',
    height: size,
    width: size,
    classNames: ['0', '1'],
    train: makeSplit(trainRng, trainPerClass, size, scale, disks, boxes),
    test: makeSplit(testRng, testPerClass, size, scale, disks, boxes),
  };
}

function makeSplit(rng: Rng, perClass: number, size: number, scale: number, disks: Float32Array[], boxes: [number, number, number, number][]): Split {
  const n = 2 * perClass;
  const px = size * size;
  const images = new Float32Array(n * px);
  const labels = new Int32Array(n);
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < perClass; i++) {
      const idx = c * perClass + i;
      labels[idx] = c;
      const img = images.subarray(idx * px, (idx + 1) * px);
      drawStroke(rng, img, size, scale, c, boxes[c]);
      const disk = disks[c];
      for (let p = 0; p < px; p++) img[p] = Math.round(Math.max(img[p], disk[p]));
    }
  }
  return { images, labels, count: n };
}

function renderDisk(size: number, cx: number, cy: number, scale: number): Float32Array {
  const out = new Float32Array(size * size);
  const r = DISK_RADIUS * scale;
  const ramp = DISK_RAMP * scale;
  const ss = 8;
  // The reference disk fills a 6x6 box exactly; the ramp's faint outer fringe (1-2 grey) is cut at the box edge.
  const half = DISK_BOX_HALF * scale;
  for (let y = Math.max(0, Math.round(cy - half)); y < Math.min(size, Math.round(cy + half)); y++) {
    for (let x = Math.max(0, Math.round(cx - half)); x < Math.min(size, Math.round(cx + half)); x++) {
      let s = 0;
      for (let a = 0; a < ss; a++) {
        for (let b = 0; b < ss; b++) {
          const d = Math.hypot(x + (b + 0.5) / ss - cx, y + (a + 0.5) / ss - cy);
          s += Math.min(1, Math.max(0, (r - d) / ramp + 0.5));
        }
      }
      out[y * size + x] = (255 * s) / (ss * ss);
    }
  }
  return out;
}

/** Bounding box [row0, row1, col0, col1) of the disk's visible pixels: it must stay free of stroke ink so that the disk is exact, as in the reference. */
function diskBox(disk: Float32Array, size: number): [number, number, number, number] {
  let r0 = size,
    r1 = 0,
    c0 = size,
    c1 = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (disk[y * size + x] < 0.5) continue;
      r0 = Math.min(r0, y);
      r1 = Math.max(r1, y + 1);
      c0 = Math.min(c0, x);
      c1 = Math.max(c1, x + 1);
    }
  }
  return [r0, r1, c0, c1];
}

function drawStroke(rng: Rng, img: Float32Array, size: number, scale: number, c: number, box: [number, number, number, number]): void {
  // Re-place (and after a few tries re-draw) strokes that would touch the disk or, for "contained" strokes, leave the
  // frame. The last attempt is kept regardless: ink under the disk is then hidden by the max with the disk.
  const contained = rng.next() < CONTAINED;
  const { mean, sd } = STROKE_CENTRE[c];
  for (let attempt = 0; ; attempt++) {
    const stroke = strokePath(rng);
    const [x0, x1, y0, y1] = extent(stroke.pts);
    for (let place = 0; place < 10; place++) {
      const tx = mean[0] + sd[0] * rng.normal();
      const ty = mean[1] + sd[1] * rng.normal();
      const last = attempt >= 30;
      const inside = tx + x0 >= 0.5 && ty + y0 >= 0.5 && tx + x1 <= REF - 0.5 && ty + y1 <= REF - 0.5;
      if (!last && (contained ? !inside : shareInside(stroke.pts, tx, ty) < MIN_INSIDE)) continue;
      img.fill(0);
      renderPath(img, size, stroke, tx * scale, ty * scale, scale);
      if (last || inkIn(img, size, box) < 0.5) return;
    }
  }
}

function shareInside(pts: Float64Array, tx: number, ty: number): number {
  let n = 0;
  for (let i = 0; i < pts.length; i += 2) {
    const x = pts[i] + tx,
      y = pts[i + 1] + ty;
    if (x >= 0 && y >= 0 && x <= REF && y <= REF) n++;
  }
  return (2 * n) / pts.length;
}

function extent(pts: Float64Array): [number, number, number, number] {
  let x0 = Infinity,
    x1 = -Infinity,
    y0 = Infinity,
    y1 = -Infinity;
  for (let i = 0; i < pts.length; i += 2) {
    x0 = Math.min(x0, pts[i]);
    x1 = Math.max(x1, pts[i]);
    y0 = Math.min(y0, pts[i + 1]);
    y1 = Math.max(y1, pts[i + 1]);
  }
  return [x0, x1, y0, y1];
}

interface Stroke {
  /** Polyline x0,y0,x1,y1,... in reference pixels, centred on its mean point. */
  pts: Float64Array;
  /** Peak grey value at each point: pen pressure drifts along the stroke. */
  ink: Float64Array;
}

function strokePath(rng: Rng): Stroke {
  const len = Math.min(STROKE_LEN_RANGE[1], Math.max(STROKE_LEN_RANGE[0], STROKE_LEN_MEDIAN * Math.exp(STROKE_LEN_LOGSD * rng.normal())));
  const steps = Math.ceil(len / STEP);
  const pts = new Float64Array(2 * (steps + 1));
  const ink = new Float64Array(steps + 1);
  const peak = rng.uniform(STROKE_PEAK[0], STROKE_PEAK[1]);
  const pDecay = Math.exp(-STEP / PRESSURE_TAU);
  const pKick = PRESSURE_SD * Math.sqrt(1 - pDecay * pDecay);
  let pressure = PRESSURE_SD * rng.normal();
  let x = 0,
    y = 0,
    heading = rng.uniform(0, 2 * Math.PI);
  // Piecewise pen motion: segments of straight lines or arcs whose curvature changes linearly (so arcs can tighten into
  // loops), joined smoothly or at a sharp corner - the letters, zig-zags and scribbles of the reference.
  const arcCurv = () => (rng.next() < STRAIGHT_PROB ? 0.02 * rng.normal() : Math.max(-MAX_CURV, Math.min(MAX_CURV, ARC_CURV_SD * rng.normal())));
  let segLeft = 0,
    curv = 0,
    dCurv = 0;
  let mx = 0,
    my = 0;
  for (let i = 0; i <= steps; i++) {
    pts[2 * i] = x;
    pts[2 * i + 1] = y;
    ink[i] = peak * Math.min(1, Math.max(PRESSURE_MIN, 1 - Math.abs(pressure)));
    pressure = pressure * pDecay + pKick * rng.normal();
    mx += x;
    my += y;
    if (segLeft <= 0) {
      const seg = Math.max(2, SEG_LEN_MEAN * -Math.log(1 - rng.next()));
      if (i > 0 && rng.next() < CORNER_PROB) {
        heading += (rng.next() < 0.5 ? -1 : 1) * rng.uniform(CORNER_TURN[0], CORNER_TURN[1]);
        curv = arcCurv();
      } else if (i === 0) {
        curv = arcCurv();
      }
      dCurv = ((arcCurv() - curv) * STEP) / seg;
      segLeft = seg;
    }
    heading += curv * STEP;
    curv += dCurv;
    segLeft -= STEP;
    x += STEP * Math.cos(heading);
    y += STEP * Math.sin(heading);
  }
  mx /= steps + 1;
  my /= steps + 1;
  for (let i = 0; i <= steps; i++) {
    pts[2 * i] -= mx;
    pts[2 * i + 1] -= my;
  }
  return { pts, ink };
}

/** Max-combines the line profile along the polyline (so self-crossings do not double the ink). */
function renderPath(img: Float32Array, size: number, { pts, ink }: Stroke, tx: number, ty: number, scale: number): void {
  const radius = STROKE_RADIUS * scale;
  const inv = 1 / (radius * radius);
  const reach = radius;
  const n = pts.length / 2;
  for (let i = 0; i + 1 < n; i++) {
    const ax = pts[2 * i] * scale + tx,
      ay = pts[2 * i + 1] * scale + ty;
    const bx = pts[2 * i + 2] * scale + tx,
      by = pts[2 * i + 3] * scale + ty;
    const dx = bx - ax,
      dy = by - ay;
    const peak = 0.5 * (ink[i] + ink[i + 1]);
    const l2 = dx * dx + dy * dy || 1e-12;
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - reach)),
      x1 = Math.min(size - 1, Math.ceil(Math.max(ax, bx) + reach));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by) - reach)),
      y1 = Math.min(size - 1, Math.ceil(Math.max(ay, by) + reach));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const px = x + 0.5 - ax,
          py = y + 0.5 - ay;
        const t = Math.min(1, Math.max(0, (px * dx + py * dy) / l2));
        const ex = px - t * dx,
          ey = py - t * dy;
        const u = 1 - (ex * ex + ey * ey) * inv;
        if (u <= 0) continue;
        const u2 = u * u;
        const v = peak * u2 * u2;
        const p = y * size + x;
        if (v > img[p]) img[p] = v;
      }
    }
  }
}

function inkIn(img: Float32Array, size: number, [r0, r1, c0, c1]: [number, number, number, number]): number {
  let m = 0;
  for (let y = r0; y < r1; y++) for (let x = c0; x < c1; x++) m = Math.max(m, img[y * size + x]);
  return m;
}
