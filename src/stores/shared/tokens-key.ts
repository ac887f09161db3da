/**
 * What a store's keyword index was written with, recorded beside it (SQLite and Postgres
 * meta `fts_key`, Qdrant's payloadKey): the encryption key id and blind-index scheme
 * (security/cipher.ts keywordIndexTag, "plain" without a key) and the tokenizer version. A
 * store whose record differs rebuilds its keyword tokens at open, so a key change, a new
 * blind-index scheme and a tokenizer change (text/tokenize.ts TOKENIZER_VERSION) each
 * reindex once.
 */
import { type Cipher, keywordIndexTag } from '../../security/cipher.ts';
import { TOKENIZER_VERSION } from '../../text/tokenize.ts';

export function tokensKey(cipher: Cipher | null): string {
  // Version 1 wrote the bare tag; keeping that form for it would let old files skip the rebuild.
  return `${keywordIndexTag(cipher)}+tokens${TOKENIZER_VERSION}`;
}
