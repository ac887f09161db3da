/**
 * Strata's architecture as rules (docs/architecture.md draws the same picture). Folders sit
 * on floors; code may import its own floor or any floor below, never one above, so the
 * arrows point inward: cli → integrations → server → engine → pipeline → layers →
 * stores | embedders → the ground floor (text, config, util, security and the root
 * vocabulary: types, errors, records, validation). No cycle between folders, no module
 * cycle, and nothing shipped imports test support. `npm run check:arch` runs it (in CI);
 * test/architecture.test.ts proves the rules fail on a planted upward import.
 */

/** Top to bottom. A floor's folders never import each other unless `peers` says so. */
const FLOORS = [
  {
    name: 'tools',
    folders: ['src/cli', 'bench', 'eval'],
    peers: [
      ['src/cli', 'bench'],
      ['src/cli', 'eval'],
      ['bench', 'eval'],
    ],
  },
  { name: 'integrations', folders: ['src/integrations'] },
  { name: 'server', folders: ['src/server'] },
  { name: 'engine', folders: ['src/engine'] },
  { name: 'pipeline', folders: ['src/pipeline'] },
  { name: 'layers', folders: ['src/layers'] },
  // src/media (blobs, OCR, captions, transcripts) is a provider like stores and embedders.
  { name: 'stores and embedders', folders: ['src/stores', 'src/embedders', 'src/media'] },
  {
    name: 'ground floor',
    folders: [
      'src/text',
      'src/config',
      'src/util',
      'src/security',
      'src/types.ts',
      'src/errors.ts',
      'src/records.ts',
      'src/validation.ts',
    ],
    peersAll: true,
  },
];

const escapeRegex = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A folder matches itself and everything under it; a file matches only itself. */
const pathOf = (folder) => (folder.endsWith('.ts') ? `^${escapeRegex(folder)}$` : `^${escapeRegex(folder)}/`);
const anyOf = (folders) => folders.map(pathOf).join('|');

const upward = FLOORS.flatMap((floor, i) => {
  const above = FLOORS.slice(0, i).flatMap((f) => f.folders);
  if (above.length === 0) return [];
  return [
    {
      name: `no-upward-from-${floor.name.replace(/ /g, '-')}`,
      comment: `${floor.name} (${floor.folders.join(', ')}) may not import a floor above it: ${above.join(', ')}`,
      severity: 'error',
      from: { path: anyOf(floor.folders), pathNot: '\\.test\\.ts$' },
      to: { path: anyOf(above) },
    },
  ];
});

const sideways = FLOORS.flatMap((floor) => {
  if (floor.peersAll || floor.folders.length < 2) return [];
  const allowed = new Set((floor.peers ?? []).map(([a, b]) => `${a}>${b}`));
  return floor.folders.flatMap((from) =>
    floor.folders
      .filter((to) => to !== from && !allowed.has(`${from}>${to}`))
      .map((to) => ({
        name: `no-sideways-${from.replace(/\W+/g, '-')}-to-${to.replace(/\W+/g, '-')}`,
        comment: `${from} and ${to} share a floor and stay independent of each other`,
        severity: 'error',
        from: { path: pathOf(from), pathNot: '\\.test\\.ts$' },
        to: { path: pathOf(to) },
      })),
  );
});

module.exports = {
  forbidden: [
    ...upward,
    ...sideways,
    {
      name: 'no-folder-cycles',
      comment: 'No cycle between folders (src/ subfolders, bench, eval, test-support): layers stay layers',
      severity: 'error',
      scope: 'folder',
      from: { path: '^(src/[^/]+|bench|eval|test-support)(/|$)' },
      to: { path: '^(src/[^/]+|bench|eval|test-support)(/|$)', circular: true },
    },
    {
      name: 'no-module-cycles',
      severity: 'error',
      from: { pathNot: '\\.test\\.ts$' },
      to: { circular: true },
    },
    {
      name: 'no-test-support-in-shipped-code',
      comment: 'test-support/ (fakes, suites, fixtures) is never imported by code outside tests',
      severity: 'error',
      from: { path: '^(src|bench|eval)/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(test-support|test)/' },
    },
    {
      name: 'no-public-index-inside',
      comment: 'src/index.ts only re-exports; inner code imports types from where they are defined',
      severity: 'error',
      from: { path: '^(src|bench|eval)/', pathNot: '^src/index\\.ts$' },
      to: { path: '^src/index\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};
