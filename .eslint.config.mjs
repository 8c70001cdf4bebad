// ESLint for rota (`npm run lint`): typescript-eslint's recommended type-aware rules, formatting
// left to Prettier. A dotfile because the repository's top level is fixed; `npm run lint` passes it
// with --config (editors: point ESLint's "overrideConfigFile" here).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import prettier from 'eslint-config-prettier'
import globals from 'globals'

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'data/**',
      'drizzle/**',
      'openapi/**',
      'web/dist/**',
      'web/src/api/openapi.d.ts',
      'coverage/**',
      '.tap/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
      // fastify plugins and handlers are async functions by convention, awaited or not.
      '@typescript-eslint/require-await': 'off',
      // Disagrees with tsc under noUncheckedIndexedAccess and on drizzle's execute() results (its --fix broke the build).
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
  {
    // tap's t.test() promises are tracked by tap itself; tests read JSON bodies as `any` on purpose.
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // `let x = fallback; try { x = read() } catch {}` is how tests read what may be gone.
      'no-useless-assignment': 'off',
      'no-control-regex': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // The staff console runs in a browser; its event handlers are async functions whose errors are
    // caught and shown (useAction), so a handler returning a promise is intended.
    files: ['web/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { attributes: false, arguments: false } },
      ],
    },
  },
  { files: ['**/*.mjs', '**/*.js'], ...tseslint.configs.disableTypeChecked },
  prettier,
)
