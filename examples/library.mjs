// Strata as a library, plain JavaScript (Node 20, ESM). Run: node library.mjs [dataDir]
import { createMemory } from 'strata-memory';

const memory = createMemory({ dataDir: process.argv[2] ?? '.strata-example' });

// A chat front end hands Strata each finished turn…
await memory.observeTurn({
  userId: 'alice',
  chatId: 'chat-1',
  messages: [
    { role: 'user', content: "I'm vegetarian and my exam is next Friday." },
    { role: 'assistant', content: 'Good luck with the exam!' },
  ],
});
await memory.add({ userId: 'alice', content: 'I love hiking in the Alps' });

// …and before the next model call asks for the context block.
const { context } = await memory.recall({
  userId: 'alice',
  messages: [{ role: 'user', content: 'When is my exam?' }],
});
console.log(context);

const hits = await memory.search({ userId: 'alice', query: 'mountains', k: 3 });
console.log(hits.map((hit) => hit.memory.content));
console.log((await memory.search({ userId: 'bob', query: 'mountains' })).length); // 0: users never mix
await memory.close();
