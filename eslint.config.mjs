// ESLint: typescript-eslint's recommended rules for the Node side, the tests and
// the renderer, plus eslint-plugin-svelte for components; type-aware promise
// rules where a tsconfig covers the file; and the folder layering of electron/
// (test/architecture/layering.test.ts checks the whole import graph, these
// rules say it in the editor). Formatting is Prettier's.
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
// electron/<folder> may not import these folders; noElectron: no Electron either.
import layers from './electron/layers.json' with { type: 'json' };

const layering = Object.entries(layers.banned).map(([folder, banned]) => ({
  files: [`electron/${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        ...(layers.noElectron.includes(folder) ? { paths: [{ name: 'electron', message: `electron/${folder} also runs outside Electron` }] } : {}),
        patterns: [
          {
            group: banned.flatMap((b) => [`../${b}/*`, `../../${b}/*`, `../../../${b}/*`]),
            message: `electron/${folder} may not import electron/{${banned.join(',')}} (folder layering: see README's Layout)`,
          },
        ],
      },
    ],
  },
}));

export default ts.config(
  { ignores: ['node_modules/', 'dist/', 'release/', 'test-output/', '.vite/'] },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // require() is how optional and native packages are loaded lazily (tfjs-node, onnxruntime-node).
      '@typescript-eslint/no-require-imports': 'off',
      // The app's Maps and Sets are local temporaries or deliberately non-reactive caches (charts get appends one by one).
      'svelte/prefer-svelte-reactivity': 'off',
    },
  },
  {
    files: ['renderer/**/*.{ts,svelte}', 'test/renderer/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'] } },
  },
  // Type-aware: a promise nobody awaits or catches loses its error (an unhandled rejection ends a Node process).
  // The renderer's tests and components (no tsconfig.json of their own; svelte-check checks their types) are left out.
  {
    files: ['electron/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts', 'renderer/src/**/*.ts'],
    ignores: ['test/renderer/**'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  ...layering,
);
