// Electron's MessagePortMain over a worker_threads MessagePort, for tests that
// stand in for utility processes with worker threads: 'message' listeners get
// { data }, as in Electron. rawPort gives back the port to transfer.
const RAW = Symbol.for('racecar.test.rawPort');

function electronPort(raw) {
  return {
    [RAW]: raw,
    postMessage: (m) => raw.postMessage(m),
    on(event, cb) {
      if (event === 'message') raw.on('message', (data) => cb({ data }));
      else raw.on(event, cb);
      return this;
    },
    start: () => raw.start(),
    close: () => raw.close(),
  };
}

const rawPort = (p) => p[RAW];

module.exports = { electronPort, rawPort };
