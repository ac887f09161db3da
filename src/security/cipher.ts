/**
 * Encryption at rest: AES-256-GCM (node:crypto) for memory content, metadata and version
 * snapshots, plus a blind index for keyword search. Each ciphertext carries the id of the
 * key that made it (stored beside it per row), so rows written before a rotation still
 * decrypt with `previousKeys` until rotateKeys() re-encrypts them. The additional
 * authenticated data binds a ciphertext to its row and column, so swapping ciphertexts
 * between rows is detected. Blind-index tokens are truncated HMAC-SHA256 digests of each
 * normalized token under a key of the user's own, derived from the blind key (HKDF from the
 * current key) and the userId: equality search within a user works, one word gives each
 * user a different token (the index does not show which users share words), and prefix and
 * fuzzy matching cannot work (they need the plaintext vocabulary).
 * Key material never appears in errors or logs; key ids are one-way fingerprints.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, MemoryError } from '../errors.ts';

const FORMAT = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

interface KeyMaterial {
  id: string;
  enc: Buffer;
  blind: Buffer;
}

export interface EncryptionSettings {
  /** base64 32-byte key. */
  key?: string | undefined;
  /** File whose (trimmed) text is the base64 key. */
  keyFile?: string | undefined;
  previousKeys?: string[] | undefined;
}

export interface Cipher {
  /** Fingerprint of the current key, stored per row. */
  readonly keyId: string;
  encrypt(plaintext: string, aad: string): Buffer;
  /** Decrypts with the key named by keyId (current or previous). */
  decrypt(blob: Buffer, keyId: string, aad: string): string;
  /** encrypt() for bytes (vectors). */
  encryptBytes(plaintext: Uint8Array, aad: string): Buffer;
  /** decrypt() for bytes (vectors). */
  decryptBytes(blob: Buffer, keyId: string, aad: string): Buffer;
  /** Blind-index token of one normalized keyword token for one user (current key). */
  blindToken(userId: string, token: string): string;
  knows(keyId: string): boolean;
}

function parseKey(text: string, field: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) {
    throw new ConfigError(
      `${field} must be a base64-encoded 32-byte key (got ${key.length} bytes). Generate one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`,
    );
  }
  return key;
}

function material(key: Buffer): KeyMaterial {
  const id = createHash('sha256').update('strata-key-id\u0000').update(key).digest('hex').slice(0, 16);
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', key, 'strata', info, 32));
  return { id, enc: derive('strata/aes-256-gcm'), blind: derive('strata/blind-index') };
}

/**
 * The blind-index scheme. 2: tokens keyed per user (1 was one key for every user). A store
 * records it with the key id beside its keyword index (keywordIndexTag) and rebuilds the
 * index when the tag it finds differs, so stores written by an older scheme migrate at open.
 */
export const BLIND_INDEX_VERSION = 2;

/** What a store records beside its keyword index: which key and scheme wrote it, or 'plain'. */
export function keywordIndexTag(cipher: Cipher | null): string {
  return cipher ? `${cipher.keyId}/blind${BLIND_INDEX_VERSION}` : 'plain';
}

/** Users whose derived blind key is kept (one HMAC to derive again when evicted). */
const USER_KEYS_KEPT = 16_384;

/** Per-user blind keys, HMAC(blind key, userId), the recently used ones cached. */
function blindKeysPerUser(blind: Buffer): { of(userId: string): Buffer } {
  const kept = new Map<string, Buffer>();
  return {
    of(userId) {
      let key = kept.get(userId);
      if (key) return key;
      key = createHmac('sha256', blind).update('strata/blind-user\u0000').update(userId, 'utf8').digest();
      if (kept.size >= USER_KEYS_KEPT) kept.delete(kept.keys().next().value as string);
      kept.set(userId, key);
      return key;
    },
  };
}

export function generateKey(): string {
  return randomBytes(32).toString('base64');
}

export function createCipher(currentKey: string, previousKeys: string[] = []): Cipher {
  const current = material(parseKey(currentKey, 'encryption.key'));
  const keys = new Map<string, KeyMaterial>([[current.id, current]]);
  previousKeys.forEach((text, i) => {
    const m = material(parseKey(text, `encryption.previousKeys[${i}]`));
    if (!keys.has(m.id)) keys.set(m.id, m);
  });
  const userKeys = blindKeysPerUser(current.blind);
  const encryptBytes = (plaintext: Uint8Array, aad: string): Buffer => {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', current.enc, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([FORMAT]), iv, cipher.getAuthTag(), body]);
  };
  const decryptBytes = (blob: Buffer, keyId: string, aad: string): Buffer => {
    const key = keys.get(keyId);
    if (!key) {
      throw new ConfigError(
        `Data was encrypted with key ${keyId}, which is neither encryption.key nor in encryption.previousKeys; add the old key to previousKeys.`,
      );
    }
    if (blob.length < 1 + IV_BYTES + TAG_BYTES || blob[0] !== FORMAT) {
      throw new MemoryError(
        'internal_error',
        `Encrypted value (${aad}) is malformed or from an unknown format.`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.enc, blob.subarray(1, 1 + IV_BYTES));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(blob.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(blob.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch (error) {
      throw new MemoryError(
        'internal_error',
        `Encrypted value (${aad}) failed authentication: it was altered or moved.`,
        {
          cause: error,
        },
      );
    }
  };
  return {
    keyId: current.id,
    encrypt(plaintext, aad) {
      return encryptBytes(Buffer.from(plaintext, 'utf8'), aad);
    },
    decrypt(blob, keyId, aad) {
      return decryptBytes(blob, keyId, aad).toString('utf8');
    },
    encryptBytes: (plaintext, aad) => encryptBytes(plaintext, aad),
    decryptBytes: (blob, keyId, aad) => decryptBytes(blob, keyId, aad),
    blindToken(userId, token) {
      const key = userKeys.of(userId);
      return `b${createHmac('sha256', key).update(token, 'utf8').digest('hex').slice(0, 24)}`;
    },
    knows(keyId) {
      return keys.has(keyId);
    },
  };
}

/** Builds the cipher from config (key or keyFile); null when encryption is not configured. */
export function cipherFromConfig(settings: EncryptionSettings): Cipher | null {
  let key = settings.key;
  if (!key && settings.keyFile) {
    try {
      key = readFileSync(settings.keyFile, 'utf8');
    } catch (error) {
      throw new ConfigError(
        `encryption.keyFile "${settings.keyFile}" cannot be read; check the path and permissions.`,
        {
          cause: error,
        },
      );
    }
  }
  if (!key) {
    if (settings.previousKeys && settings.previousKeys.length > 0) {
      throw new ConfigError(
        'encryption.previousKeys is set but encryption.key/keyFile is not; set the current key.',
      );
    }
    return null;
  }
  return createCipher(key, settings.previousKeys ?? []);
}
