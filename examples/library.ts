// Strata as a library, TypeScript (strict). Type-check: npx tsc --noEmit; run with tsx or after tsc.
import { createMemory, MemoryError, type RecallResult, type SearchResult } from 'strata-memory';

export async function remember(dataDir: string): Promise<{ block: string; found: string[] }> {
  const memory = createMemory({ dataDir });
  try {
    await memory.add({ userId: 'alice', content: 'My sister Ana lives in Lisbon' });
    const recalled: RecallResult = await memory.recall({
      userId: 'alice',
      messages: [{ role: 'user', content: 'Where does my sister live?' }],
      maxTokens: 400,
    });
    const results: SearchResult[] = await memory.search({ userId: 'alice', query: 'Lisbon', k: 5 });
    return { block: recalled.context, found: results.map((r) => r.memory.content) };
  } catch (error) {
    // Every failure is typed: a stable code and a message that says what to fix.
    if (MemoryError.isInstance(error)) throw new Error(`${error.code}: ${error.message}`);
    throw error;
  } finally {
    await memory.close();
  }
}
