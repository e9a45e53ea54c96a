// One CSV quoting rule for every table the workbench writes: the export's
// metrics.csv, sweep figures' data and the app's chart tables. PURE.

/** RFC 4180: quote fields holding a comma, quote, CR or LF; double inner quotes. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
