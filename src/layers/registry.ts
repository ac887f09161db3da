/**
 * The layer registry: every layer Strata knows, in the order observe runs them. The
 * associative layer runs last because it links the writes of the others. Adding a layer
 * means one folder under src/layers/ and one line here.
 */
import type { StrataConfig } from '../config/schema.ts';
import type { LayerName } from '../types.ts';
import { createAssociativeLayer } from './associative/index.ts';
import { createEmotionalLayer } from './emotional/index.ts';
import { createEpisodicLayer } from './episodic/index.ts';
import { createSemanticLayer } from './semantic/index.ts';
import { createSymbolicLayer } from './symbolic/index.ts';
import { createTemporalLayer } from './temporal/index.ts';
import type { Layer, LayerFactory } from './types.ts';

export const LAYER_FACTORIES: ReadonlyArray<readonly [LayerName, LayerFactory]> = [
  ['episodic', () => createEpisodicLayer()],
  ['semantic', (config) => createSemanticLayer(config)],
  ['emotional', () => createEmotionalLayer()],
  ['temporal', () => createTemporalLayer()],
  ['symbolic', (config) => createSymbolicLayer(config)],
  ['associative', () => createAssociativeLayer()],
];

const cache = new WeakMap<StrataConfig, Layer[]>();

/** The enabled layers for a config, in run order (cached per config object). */
export function enabledLayers(config: StrataConfig): Layer[] {
  let layers = cache.get(config);
  if (!layers) {
    const enabled = new Set(config.layers.enabled);
    layers = LAYER_FACTORIES.filter(([name]) => enabled.has(name)).map(([, factory]) => factory(config));
    cache.set(config, layers);
  }
  return layers;
}
