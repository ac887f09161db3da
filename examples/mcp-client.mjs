// An MCP client (the official SDK) talking to `strata mcp` over stdio, as Claude Desktop does.
//   node mcp-client.mjs [dataDir]
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const transport = new StdioClientTransport({
  command: 'npx',
  args: ['--no-install', 'strata', 'mcp', '--user', 'me'],
  env: { ...process.env, STRATA_DATA_DIR: process.argv[2] ?? '.strata-example' },
});
const client = new Client({ name: 'strata-example', version: '1.0.0' });
await client.connect(transport);

const { tools } = await client.listTools();
console.log(tools.map((tool) => tool.name).join(' '));
await client.callTool({ name: 'remember', arguments: { content: 'My favourite tea is genmaicha' } });
const recalled = await client.callTool({
  name: 'recall',
  arguments: { query: 'Which tea do I like?' },
});
console.log(recalled.content[0].text);
await client.close();
