// The design, enforced by the linter rather than by memory: typescript-eslint's recommended rules,
// no import cycle (type-only ones included), and a streams/ that stays pure RxJS.
import { statSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';
import prettier from 'eslint-config-prettier';
import ts from 'typescript';

/** Packages that do I/O; streams/ receives what they do as dependencies from src/. */
const IO_PACKAGES = [
  'ws',
  'koa',
  '@koa/router',
  'koa-bodyparser',
  'ioredis',
  'better-sqlite3',
  'modbus-serial',
  'ajv',
  'ajv-formats',
  'co-body',
  'raw-body',
  'ipaddr.js',
  'mqtt',
  'eventsource',
];

const CLOCK = 'streams/ takes time from the injected SchedulerLike (timer(ms, scheduler), scheduler.now()), never from the wall clock or Node timers';
const PURE = 'streams/ is pure RxJS: it never imports src/, Node builtins or I/O packages; take the effect as a dependency instead';

/**
 * import/no-cycle skips `import type` edges by design, but a type-only cycle still ties two modules
 * together (the seven cycles were all type-only). This rule reports a type-only import whose
 * target leads back to the importing file through any imports, value or type.
 */
const noTypeCycle = {
  meta: { type: 'problem', messages: { cycle: 'Type-only import cycle: {{route}}. Move the shared types to their own file.' }, schema: [] },
  create(context) {
    const me = context.physicalFilename;
    const importsOf = (file) => {
      let mtime;
      try {
        mtime = statSync(file).mtimeMs;
      } catch {
        return [];
      }
      const hit = graph.get(file);
      if (hit && hit.mtime === mtime) return hit.imports;
      const imports = ts
        .preProcessFile(readFileSync(file, 'utf8'), true, true)
        .importedFiles.filter((f) => f.fileName.startsWith('.'))
        .map((f) => resolve(f.fileName, file))
        .filter(Boolean);
      graph.set(file, { mtime, imports });
      return imports;
    };
    /** The shortest route from `from` back to `me`, or undefined. */
    const routeBack = (from) => {
      const seen = new Set([from]);
      const queue = [[from]];
      while (queue.length) {
        const route = queue.shift();
        for (const next of importsOf(route[route.length - 1])) {
          if (next === me) return route;
          if (!seen.has(next)) {
            seen.add(next);
            queue.push([...route, next]);
          }
        }
      }
      return undefined;
    };
    const check = (node) => {
      if (!node.source || !node.source.value.startsWith('.')) return;
      const typeOnly =
        node.importKind === 'type' ||
        node.exportKind === 'type' ||
        (node.specifiers?.length > 0 && node.specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type'));
      if (!typeOnly) return;
      const target = resolve(node.source.value, me);
      const route = target && routeBack(target);
      if (route) {
        const rel = (f) => path.relative(process.cwd(), f);
        context.report({ node: node.source, messageId: 'cycle', data: { route: [me, ...route, me].map(rel).join(' -> ') } });
      }
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check };
  },
};
const graph = new Map();
const compilerOptions = { moduleResolution: ts.ModuleResolutionKind.Node10, resolveJsonModule: true, allowJs: false };
const resolve = (spec, from) => {
  const r = ts.resolveModuleName(spec, from, compilerOptions, ts.sys).resolvedModule;
  return r && !r.isExternalLibraryImport && !r.resolvedFileName.endsWith('.json') ? path.resolve(r.resolvedFileName) : undefined;
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'test/bench/results/', 'src/validation/validators.generated.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  importPlugin.flatConfigs.typescript,
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mjs'],
    plugins: { haven: { rules: { 'no-type-cycle': noTypeCycle } } },
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    settings: {
      'import/resolver': { typescript: { project: './tsconfig.json' }, node: true },
      // Do not parse the dependencies' own files for cycles: they cannot import ours (and cost 20 s).
      'import/ignore': ['node_modules'],
    },
    rules: {
      'import/no-cycle': ['error', { ignoreExternal: true }],
      'haven/no-type-cycle': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // The line protocols strip and escape control characters on purpose.
      'no-control-regex': 'off',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },
  {
    files: ['streams/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: IO_PACKAGES.map((name) => ({ name, message: PURE })),
          patterns: [
            { group: ['node:*', ...builtinModules, ...builtinModules.map((m) => `${m}/*`)], message: PURE },
            { group: [...IO_PACKAGES.map((name) => `${name}/*`)], message: PURE },
          ],
        },
      ],
      'import/no-restricted-paths': ['error', { zones: [{ target: './streams', from: './src', message: PURE }] }],
      // Time only through the injected scheduler, so virtual time tests everything (STYLE rule 2).
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate', 'performance', 'process'].map((name) => ({
          name,
          message: CLOCK,
        })),
      ],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: CLOCK }],
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: CLOCK }],
    },
  },
  {
    // The dashboard runs in the browser and has its own tsconfig (DOM, Preact's JSX).
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    settings: { 'import/resolver': { typescript: { project: './web/tsconfig.json' }, node: true } },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests reach into internals and build partial fakes; `any` there is a tool, not a leak.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      // chai's `expect(x).to.be.true` is an expression statement.
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },
  {
    // The package's bin (src/cli/haven.cjs) runs before anything is built: plain CommonJS in Node's scope.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', __dirname: 'readonly', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
