// @ts-check
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Globals that would bring a clock, randomness, timers or I/O into the sans-I/O core. */
const bannedInShared = [
  'window',
  'document',
  'indexedDB',
  'RTCPeerConnection',
  'WebSocket',
  'fetch',
  'setTimeout',
  'setInterval',
  'clearTimeout',
  'clearInterval',
  'queueMicrotask',
  'performance',
  'localStorage',
  'navigator',
  'process',
  'Buffer',
  'crypto',
].map((name) => ({ name, message: 'shared/ is sans-I/O: inject this instead.' }));

/*
 * Import bans are regexes over the specifier, not globs relative to one depth, so they hold for
 * `../client/x` and `../../../client/src/x` alike. The price: no folder inside shared/ may be
 * named like a top-level folder (client, signaling-server, sim, bench, e2e).
 */
const TOP_LEVEL_FOLDER = '(^|/)(client|signaling-server|sim|bench|e2e)(/|$)';
/** `node:fs` and bare `fs`, `path`, ... (every built-in this Node knows). */
const NODE_BUILTIN = `^(node:|(${builtinModules.join('|')})(/|$))`;
/** Packages that bring I/O, a DOM or a test runner. */
const IO_PACKAGE =
  '^(ws|simple-peer|idb-keyval|lit|qrcode|@roamhq/wrtc|@playwright/test|playwright|fake-indexeddb|vite|vitest)(/|$)';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'lib-dist/**',
      '.tmp/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      'docs/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', ...bannedInShared],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='Date'][property.name='now']",
          message: 'shared/ takes `now` as input.',
        },
        { selector: "NewExpression[callee.name='Date']", message: 'shared/ takes `now` as input.' },
        {
          selector: "MemberExpression[object.name='Math'][property.name='random']",
          message: 'shared/ takes an injected Random.',
        },
        { selector: 'ImportExpression', message: 'shared/ loads no modules at run time.' },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: TOP_LEVEL_FOLDER,
              message: 'shared/ may not import client/, signaling-server/, sim/, bench/ or e2e/.',
            },
            { regex: NODE_BUILTIN, message: 'shared/ is sans-I/O: no Node built-ins.' },
            { regex: IO_PACKAGE, message: 'shared/ has no I/O dependencies.' },
          ],
        },
      ],
    },
  },
  {
    files: ['client/src/ui/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)adapters(/|$)',
              message: 'client/src/ui/ only renders: state comes through controllers, not adapters.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['sim/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)client(/|$)',
              message: 'sim/ runs shared/ code only: it may not import client/.',
            },
          ],
        },
      ],
    },
  },
);
