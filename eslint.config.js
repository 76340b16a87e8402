// @ts-check
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

export default tseslint.config(
  {
    ignores: ['dist/**', '.tmp/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'docs/**'],
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
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:*',
                'ws',
                'simple-peer',
                'idb-keyval',
                'lit',
                'lit/*',
                '../client/*',
                '../signaling-server/*',
              ],
              message: 'shared/ has no I/O dependencies.',
            },
          ],
        },
      ],
    },
  },
);
