// Errors cross a transport (WebSocket, Electron IPC) as one short line for the
// user: no stack, no multi-line dumps, bounded length so a hostile or buggy
// handler cannot flood the UI.
const MAX_LEN = 500;

export function oneLine(e: unknown): string {
  let msg: string;
  if (e instanceof Error) msg = e.message;
  else if (typeof e === 'string') msg = e;
  else if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') msg = (e as { message: string }).message;
  else msg = String(e);
  const line = (msg.split(/\r?\n/).find((l) => l.trim() !== '') ?? '').trim() || 'internal error';
  return line.length > MAX_LEN ? `${line.slice(0, MAX_LEN - 1)}…` : line;
}
