// What Open WebUI does with Strata's filters, over HTTP, without Open WebUI: use it to check a
// connection before (or instead of) clicking through the admin panel. docs/open-webui.md has
// the setup (connection URL, the admin key, valves).
//   STRATA_URL=http://127.0.0.1:8765 STRATA_KEY=<admin key> node open-webui.mjs
// The sequence, as Open WebUI 0.9 runs it: GET /models (the connection check: filters are the
// entries with a `pipeline`), each filter's valves page (GET /{id}/valves/spec and
// /{id}/valves; Save is POST /{id}/valves/update), then per chat message the inlet of every
// filter in priority order, each getting the body the previous one returned, the model call
// (played here by a fixed reply), and the outlet of every filter in the same order.
import { randomUUID } from 'node:crypto';

const url = process.env.STRATA_URL ?? 'http://127.0.0.1:8765';
const key = process.env.STRATA_KEY;
// Open WebUI skips every filter of a connection whose key is empty; Strata needs an admin key.
if (!key) throw new Error('Set STRATA_KEY to an admin key of the Strata server (Open WebUI needs one).');
const user = { id: `owui-example-${randomUUID().slice(0, 8)}`, name: 'Alice', role: 'user' };
const chatId = randomUUID();

async function call(method, path, body) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

// 1. The connection: Open WebUI lists the models and keeps those with a `pipeline` as filters.
const { data } = await call('GET', '/models');
const filters = data.filter((m) => m.pipeline?.type === 'filter');
filters.sort((a, b) => a.pipeline.priority - b.pipeline.priority);
console.log(`filters: ${filters.map((f) => f.id).join(' ')}`);

// 2. The valves page of each filter; saving the combined filter's valves unchanged, as Save does.
for (const filter of filters) {
  const spec = await call('GET', `/${filter.id}/valves/spec`);
  const valves = await call('GET', `/${filter.id}/valves`);
  console.log(`valves ${filter.id}: ${Object.keys(spec.properties).join(',')} enabled=${valves.enabled}`);
}
const saved = await call('POST', '/strata/valves/update', await call('GET', '/strata/valves'));
console.log(`saved strata valves: maxTokens=${saved.maxTokens}`);

const blockLines = (messages) => {
  const system = messages.find((m) => m.role === 'system')?.content ?? '';
  return system.split('\n').filter((line) => line.startsWith('- ['));
};

// 3. One chat message: the inlets in priority order, the model, the outlets.
const history = [];
async function chatMessage(text, reply) {
  const userMessage = {
    id: randomUUID(),
    role: 'user',
    content: text,
    timestamp: Math.floor(Date.now() / 1000),
  };
  let body = {
    model: 'llama3.1:8b',
    stream: true,
    messages: [{ role: 'system', content: 'You are a helpful assistant.' }, ...history, userMessage].map(
      ({ role, content }) => ({ role, content }),
    ),
    metadata: { user_id: user.id, chat_id: chatId, message_id: randomUUID(), session_id: 'example' },
  };
  for (const filter of filters) {
    const before = blockLines(body.messages).length;
    body = await call('POST', `/${filter.id}/filter/inlet`, { user, body });
    console.log(`inlet ${filter.id}: +${blockLines(body.messages).length - before} lines`);
  }
  const sent = body.messages;
  history.push(userMessage, {
    id: randomUUID(),
    role: 'assistant',
    content: reply,
    timestamp: userMessage.timestamp,
  });
  const outlet = {
    model: 'llama3.1:8b',
    messages: history,
    chat_id: chatId,
    session_id: 'example',
    id: history.at(-1).id,
  };
  for (const filter of filters) {
    const returned = await call('POST', `/${filter.id}/filter/outlet`, { user, body: outlet });
    const same = JSON.stringify(returned) === JSON.stringify(outlet);
    console.log(`outlet ${filter.id}: ${same ? 'unchanged' : 'CHANGED'}`);
  }
  return sent;
}

await chatMessage(
  'I just moved to Lisbon and I love the tram 28.',
  'Welcome to Lisbon! The 28 is a classic.',
);
const sent = await chatMessage('Which city do I live in now?', 'You live in Lisbon.');

// What the model received for the second message: one block, each memory line once.
const system = sent.find((m) => m.role === 'system').content;
console.log(`blocks: ${system.split('<memory_context>').length - 1}`);
console.log(system);
