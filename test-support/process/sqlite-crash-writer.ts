/**
 * Child process for the crash test: writes batches of memories (with vectors and history)
 * into the SQLite store at argv[2] forever, printing "ack <batch>" only after each batch's
 * insert() resolved. The parent SIGKILLs it mid-stream and checks every acked batch.
 */
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.ts';

const path = process.argv[2];
if (!path) throw new Error('usage: crash-writer.ts <db-path>');
const BATCH = 25;
const store = new SqliteStore({ path });
await store.open({ model: { id: 'crash-model', dimensions: 8 } });
for (let batch = 0; ; batch++) {
  const records = Array.from({ length: BATCH }, (_, i) => {
    const at = new Date(Date.UTC(2024, 0, 1) + batch * 1000 + i).toISOString();
    return {
      memory: {
        id: `b${batch}-m${i}`,
        userId: `user-${batch % 3}`,
        layer: 'episodic' as const,
        content: `batch ${batch} item ${i} ${'lorem ipsum '.repeat(20)}`,
        createdAt: at,
        updatedAt: at,
        importance: 0.5,
        strength: 1,
        accessCount: 0,
        lastAccessedAt: null,
        sources: [],
        links: [],
        metadata: { batch },
        version: 1,
        supersededBy: null,
        embeddingModel: 'crash-model',
      },
      vector: Float32Array.from({ length: 8 }, (_, d) => Math.sin(batch + i + d)),
    };
  });
  await store.insert(records);
  process.stdout.write(`ack ${batch}\n`);
}
