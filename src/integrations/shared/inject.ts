/**
 * What the integrations share for message handling: `inject(messages, context)` (the
 * pipeline's pure injectContext: the `<memory_context>` block goes into the system
 * message, created if absent, an earlier block replaced, input never mutated). Message
 * text comes from text/content.ts, the one content-to-text function.
 */
import { injectContext } from '../../pipeline/inject.ts';

/** Puts the context block into the system message (see pipeline/inject.ts). */
export const inject = injectContext;
