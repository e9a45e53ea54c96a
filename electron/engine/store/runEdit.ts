// What a user may change of a run (name, tags, notes), and the rules its
// tags and notes follow; checked before anything is written.
/** What a user may change of a run. While the run trains, only its training process applies edits (it is the one writer of run.json). */
export interface RunEdit {
  name?: string;
  /** Replaces the run's tags (trimmed, duplicates dropped). */
  tags?: string[];
  /** Replaces the run's notes ('' removes them). */
  notes?: string;
}

export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 40;
export const MAX_NOTES_LENGTH = 4000;

/** Tags as stored: trimmed, without duplicates, each a short label without commas (the UI separates tags with them). */
export function cleanTags(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of tags) {
    const t = raw.trim();
    if (!t) continue;
    if (t.length > MAX_TAG_LENGTH) throw new Error(`tags: "${t.slice(0, 20)}…" is longer than ${MAX_TAG_LENGTH} characters: shorten it`);
    if (/[,\n\r]/.test(t)) throw new Error(`tags: "${t}" holds a comma or a line break: use one tag per label`);
    if (!out.includes(t)) out.push(t);
  }
  if (out.length > MAX_TAGS) throw new Error(`tags: ${out.length} tags; a run has at most ${MAX_TAGS}`);
  return out;
}
