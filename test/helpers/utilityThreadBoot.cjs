// Runs a compiled utility-process script (engineProcess.js, trainingProcess.js)
// in a worker thread with process.parentPort as Electron gives a utility
// process: messages as { data, ports }, ports as MessagePortMain.
const { parentPort, workerData } = require('node:worker_threads');
const { electronPort } = require('./electronPort.cjs');

process.parentPort = {
  on(event, cb) {
    if (event === 'message') parentPort.on('message', (m) => cb({ data: m.data, ports: m.ports.map(electronPort) }));
  },
  postMessage: (m) => parentPort.postMessage(m),
};
require(workerData.script);
