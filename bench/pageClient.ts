// A client of the browser-mode server in a process of its own, paging through
// the run list as the app's Runs view does (RunsStore: pages of RUNS_PAGE,
// newest first), a few rounds: when the first page (the first rows) arrived, and the
// whole list. Prints one JSON line.
import { WebSocket } from 'ws';
import { RUNS_PAGE as PAGE } from '../electron/contract/contract';
import { connectWebSocketApi, type WebSocketConstructor } from '../electron/server/wsClient';

export interface PageClientResult {
  pages: number;
  /** Per round: ms until the first page was in, and until the last. */
  firstPageMs: number[];
  allPagesMs: number[];
}

async function main(): Promise<void> {
  const [url, rounds] = process.argv.slice(2);
  const api = await connectWebSocketApi(url!, WebSocket as unknown as WebSocketConstructor);
  const r: PageClientResult = { pages: 0, firstPageMs: [], allPagesMs: [] };
  for (let round = 0; round < Number(rounds); round++) {
    const t0 = performance.now();
    let pages = 0;
    for (let offset = 0; ; offset += PAGE) {
      const page = await api.call('runs.list', { offset, limit: PAGE });
      pages++;
      if (offset === 0) r.firstPageMs.push(performance.now() - t0);
      if (page.runs.length < PAGE || offset + PAGE >= page.total) break;
    }
    r.allPagesMs.push(performance.now() - t0);
    r.pages = pages;
  }
  api.close();
  console.log(JSON.stringify(r));
}

main().catch((e: unknown) => {
  console.error(`pageClient: ${String(e)}`);
  process.exit(1);
});
