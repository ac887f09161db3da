/**
 * `strata-memory/ai-sdk`: the AI SDK middleware entry point.
 *
 *   const model = wrapLanguageModel({ model: openai('gpt-4o'), middleware: strataMiddleware({ memory }) });
 *   await generateText({ model, prompt, providerOptions: { strata: { userId: 'alice' } } });
 */
export { type StrataMiddlewareOptions, strataMiddleware } from './middleware.ts';
