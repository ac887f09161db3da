// Any OpenAI-compatible client through Strata's proxy: point the client's base URL at
// `strata serve` (with server.upstream.baseUrl set to the real API), name the user, and every
// call gets the user's memories injected and the finished turn stored.
//   STRATA_URL=http://127.0.0.1:8765 node openai-proxy.mjs
// (The official `openai` package works the same way: new OpenAI({ baseURL: `${STRATA_URL}/v1` }).)
const base = `${process.env.STRATA_URL ?? 'http://127.0.0.1:8765'}/v1`;
const headers = { 'content-type': 'application/json', 'x-strata-chat-id': 'example-chat' };
if (process.env.STRATA_KEY) headers.authorization = `Bearer ${process.env.STRATA_KEY}`;

async function chat(content) {
  const response = await fetch(`${base}/chat/completions`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ model: 'gpt-4o-mini', user: 'alice', messages: [{ role: 'user', content }] }),
  });
  if (!response.ok) throw new Error(`${response.status}: ${await response.text()}`);
  const reply = await response.json();
  return reply.choices[0].message.content;
}

console.log(await chat('I just adopted a beagle called Rex.'));
// The next call carries a <memory_context> block with Rex in it, seen by the model upstream.
console.log(await chat('What is my dog called?'));
