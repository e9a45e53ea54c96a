// Electron entry point (package.json "main": dist/electron/main/main.js).
// Everything but the choice of engine service lives in app.ts.
import { createEngineService } from '../host/service';
import { startApp } from './app';

startApp({ createService: (opts) => createEngineService(opts) });
