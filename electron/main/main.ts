// Electron entry point (package.json "main": dist/electron/main/main.js).
// Everything but the choice of engine lives in app.ts.
import { startApp, startUtilityEngine } from './app';

startApp({ createService: startUtilityEngine });
