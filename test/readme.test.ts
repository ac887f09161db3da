/**
 * Keeps the README honest: the quick start has exactly the two promised commands, and the
 * configuration reference documents every field of the config schema (a field added to
 * src/config/schema.ts without a README row fails here).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../src/config/schema.ts';

const readme = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');

interface Node {
  def: { type: string; innerType?: Node; shape?: Record<string, Node>; options?: Node[] };
}

function leafPaths(node: Node, prefix: string, out: Set<string>): Set<string> {
  const { def } = node;
  if ((def.type === 'default' || def.type === 'optional' || def.type === 'nullable') && def.innerType) {
    return leafPaths(def.innerType, prefix, out);
  }
  if (def.type === 'object' && def.shape) {
    for (const [key, child] of Object.entries(def.shape))
      leafPaths(child, prefix ? `${prefix}.${key}` : key, out);
  } else if (def.type === 'union' && def.options) {
    for (const option of def.options) leafPaths(option, prefix, out);
  } else {
    out.add(prefix);
  }
  return out;
}

describe('README', () => {
  it('has the two quick-start commands', () => {
    const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## Using the CLI'));
    expect(quickStart).toContain('npm ci && npm start');
    expect(quickStart).toContain('npm ci && npm test');
  });

  it('documents every config field with its row', () => {
    const paths = [...leafPaths(ConfigSchema as unknown as Node, '', new Set())];
    expect(paths.length).toBeGreaterThan(50);
    const missing = paths.filter(
      (path) => !new RegExp(`\\| \`${path.replace(/\./g, '\\.')}\` +\\|`).test(readme),
    );
    expect(missing).toEqual([]);
  });
});
