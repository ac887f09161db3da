// An MCP client (the official SDK) talking to `strata serve` over streamable HTTP with a key
// header, as Cursor does with mcp/cursor.json. Give it that config file to try the exact URL
// and headers you are about to paste, or STRATA_URL and STRATA_KEY (a key bound to one user).
//   node mcp-http.mjs [path/to/cursor.json]
//   STRATA_URL=http://127.0.0.1:8765 STRATA_KEY=<user key> node mcp-http.mjs
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const fromFile = process.argv[2] && JSON.parse(readFileSync(process.argv[2], 'utf8')).mcpServers.strata;
const url = fromFile?.url ?? `${process.env.STRATA_URL ?? 'http://127.0.0.1:8765'}/mcp`;
const headers = fromFile?.headers ?? { Authorization: `Bearer ${process.env.STRATA_KEY}` };

const client = new Client({ name: 'strata-example-http', version: '1.0.0' });
await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));

const { tools } = await client.listTools();
console.log(tools.map((tool) => tool.name).join(' '));
await client.callTool({ name: 'remember', arguments: { content: 'I ride my bike to work every day' } });
const found = await client.callTool({ name: 'search', arguments: { query: 'cycling commute', k: 1 } });
const [best] = JSON.parse(found.content[0].text).results;
console.log(`search "cycling commute": ${best?.memory.content}`);
const recalled = await client.callTool({ name: 'recall', arguments: { query: 'How do I get to work?' } });
console.log(recalled.content[0].text);
await client.close();
