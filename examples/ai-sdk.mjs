// Strata as AI SDK middleware: wrapLanguageModel() recalls before each call (the memory block
// goes into the system message) and stores each finished turn, for generateText and streamText.
//   npm install strata-memory ai
//   OPENAI_BASE_URL=http://localhost:11434/v1 OPENAI_MODEL=llama3.1 node ai-sdk.mjs [dataDir]
// In an app you would pass a provider's model (`openai('gpt-4o')` from @ai-sdk/openai, or
// any other provider); to need nothing beyond `ai`, this file talks to an OpenAI-compatible
// /chat/completions endpoint (OpenAI, Ollama, vLLM, ...) through a minimal model of its own.
import { generateText, streamText, wrapLanguageModel } from 'ai';
import { createMemory } from 'strata-memory';
import { strataMiddleware } from 'strata-memory/ai-sdk';

const baseUrl = process.env.OPENAI_BASE_URL ?? 'http://localhost:11434/v1';
const headers = { 'content-type': 'application/json' };
if (process.env.OPENAI_API_KEY) headers.authorization = `Bearer ${process.env.OPENAI_API_KEY}`;

/** The AI SDK prompt (system string, text parts) as OpenAI chat messages. */
const toOpenAi = (prompt) =>
  prompt.map((m) => ({
    role: m.role,
    content:
      typeof m.content === 'string'
        ? m.content
        : m.content.map((part) => (part.type === 'text' ? part.text : '')).join(''),
  }));

const usage = { inputTokens: {}, outputTokens: {} };
const finish = { unified: 'stop', raw: 'stop' };

/** A minimal LanguageModelV3 for an OpenAI-compatible server (text only). */
const model = {
  specificationVersion: 'v3',
  provider: 'openai-compatible',
  modelId: process.env.OPENAI_MODEL ?? 'llama3.1',
  supportedUrls: {},
  async doGenerate({ prompt }) {
    const response = await fetch(`${baseUrl}/chat/completions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: this.modelId, messages: toOpenAi(prompt) }),
    });
    if (!response.ok) throw new Error(`upstream ${response.status}: ${await response.text()}`);
    const text = (await response.json()).choices[0].message.content;
    return { content: [{ type: 'text', text }], finishReason: finish, usage, warnings: [] };
  },
  async doStream(options) {
    // Kept short: one generate call replayed as a stream of deltas, one per word.
    const { content } = await this.doGenerate(options);
    const words = content[0].text.split(/(?<= )/);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue({ type: 'stream-start', warnings: [] });
        controller.enqueue({ type: 'text-start', id: 't' });
        for (const delta of words) controller.enqueue({ type: 'text-delta', id: 't', delta });
        controller.enqueue({ type: 'text-end', id: 't' });
        controller.enqueue({ type: 'finish', finishReason: finish, usage });
        controller.close();
      },
    });
    return { stream };
  },
};

const memory = createMemory({ dataDir: process.argv[2] ?? '.strata-example' });
const remembering = wrapLanguageModel({
  model,
  middleware: strataMiddleware({ memory, userId: 'alice', chatId: 'ai-sdk-example' }),
});
try {
  const first = await generateText({
    model: remembering,
    system: 'You are a helpful assistant.',
    prompt: 'My daughter Mia starts school in September.',
  });
  console.log(`generateText: ${first.text}`);

  // A later call, with nothing about Mia in the prompt: the middleware recalled her.
  const second = streamText({
    model: remembering,
    system: 'You are a helpful assistant.',
    prompt: 'When does my daughter start school?',
  });
  let streamed = '';
  for await (const delta of second.textStream) streamed += delta;
  console.log(`streamText: ${streamed}`);

  // Both turns were stored (episodic messages, the semantic fact about Mia, ...).
  const { items } = await memory.list({ userId: 'alice', limit: 100 });
  console.log(`stored: ${items.length} memories, e.g. ${items.find((m) => m.layer === 'semantic')?.content}`);
} finally {
  await memory.close();
}
