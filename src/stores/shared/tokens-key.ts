/**
 * What a store's keyword index was written with, recorded beside it (SQLite and Postgres
 * meta `fts_key`, Qdrant's payloadKey): the encryption key id ("plain" without one) and the
 * tokenizer version. A store whose record differs rebuilds its keyword tokens at open, so a
 * key change and a tokenizer change (text/tokenize.ts TOKENIZER_VERSION) both reindex once.
 */
import type { Cipher } from '../../security/cipher.ts';
import { TOKENIZER_VERSION } from '../../text/tokenize.ts';

export function tokensKey(cipher: Cipher | null): string {
  const key = cipher ? cipher.keyId : 'plain';
  // Version 1 wrote the bare key id; keeping that form for it would let old files skip the rebuild.
  return `${key}+tokens${TOKENIZER_VERSION}`;
}
