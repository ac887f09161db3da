/**
 * The instance's identity for the signed change log: an ed25519 key pair (node:crypto) kept
 * as a PKCS#8 PEM file in the data dir, created on first use with mode 0600 (written whole
 * and linked into place, so two processes opening a fresh data dir at once end up with one
 * key and neither reads it half written). The
 * instance id is a fingerprint of the public key (first 16 bytes of its SHA-256, hex), so
 * an id cannot be claimed without the key: a peer checks that a public key it is given
 * hashes to the author id it signs for. Signatures are base64; public keys travel as
 * base64 SPKI DER.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../errors.ts';

/** Who signs: the id, the public key to hand to peers, and a signer over the private key. */
export interface InstanceIdentity {
  /** 32 hex characters: the fingerprint of the public key. */
  readonly instanceId: string;
  /** base64 SPKI DER of the ed25519 public key. */
  readonly publicKey: string;
  /** base64 ed25519 signature of `message`. */
  sign(message: string | Buffer): string;
}

/** The fingerprint that names the instance holding this public key (base64 SPKI DER). */
export function instanceIdOf(publicKey: string): string {
  return createHash('sha256').update(Buffer.from(publicKey, 'base64')).digest('hex').slice(0, 32);
}

function identityOf(privateKey: KeyObject): InstanceIdentity {
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).toString('base64');
  return {
    instanceId: instanceIdOf(publicKey),
    publicKey,
    sign: (message) =>
      sign(null, typeof message === 'string' ? Buffer.from(message) : message, privateKey).toString('base64'),
  };
}

/** A key pair that lives only in this process (':memory:' stores, tests). */
export function ephemeralIdentity(): InstanceIdentity {
  return identityOf(generateKeyPairSync('ed25519').privateKey);
}

/** Reads the key file, or creates it (mode 0600) when it does not exist yet. */
export function loadOrCreateIdentity(file: string): InstanceIdentity {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw unreadable(file, error);
    pem = createKeyFile(file);
  }
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`an ${key.asymmetricKeyType} key`);
    return identityOf(key);
  } catch (error) {
    throw unreadable(file, error);
  }
}

function createKeyFile(file: string): string {
  mkdirSync(dirname(file), { recursive: true });
  const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  // Written whole under a private name, then linked into place: link fails if the name
  // exists, so a process that reads the key file never sees it half written.
  const staged = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(staged, pem, { mode: 0o600, flag: 'wx' });
    // The umask may have cleared bits of the mode; never more than owner read/write.
    if ((statSync(staged).mode & 0o077) !== 0) chmodSync(staged, 0o600);
    linkSync(staged, file);
    return pem;
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8');
    throw unreadable(file, error);
  } finally {
    rmSync(staged, { force: true });
  }
}

function unreadable(file: string, error: unknown): ConfigError {
  return new ConfigError(
    `Cannot use the instance key ${file} (${(error as Error).message}); it must be an ed25519 PKCS#8 PEM private key. Move it away to have a new one made (peers then see a new instance id).`,
    { cause: error },
  );
}

/** Whether `signature` (base64) is `publicKey`'s (base64 SPKI DER) ed25519 signature of `message`. */
export function verifySignature(publicKey: string, message: string | Buffer, signature: string): boolean {
  try {
    const key = publicKeyObject(publicKey);
    if (key.asymmetricKeyType !== 'ed25519') return false;
    return verify(
      null,
      typeof message === 'string' ? Buffer.from(message) : message,
      key,
      Buffer.from(signature, 'base64'),
    );
  } catch {
    return false;
  }
}

/** Parsed public keys by their text: a sync batch verifies thousands of entries of a few authors. */
const parsedKeys = new Map<string, KeyObject>();

function publicKeyObject(publicKey: string): KeyObject {
  let key = parsedKeys.get(publicKey);
  if (!key) {
    key = createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
    if (parsedKeys.size >= 1_000) parsedKeys.clear();
    parsedKeys.set(publicKey, key);
  }
  return key;
}
