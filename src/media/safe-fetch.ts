/**
 * Fetches an image URL a message names, without letting a request reach the server's own
 * network: the host is resolved first (or taken as an IP literal) and every address it
 * resolves to is checked against loopback, private, link-local, carrier-grade NAT,
 * multicast, documentation and other special ranges (IPv4, IPv6, IPv4-mapped and NAT64
 * forms) before any connection is made; the connection then goes to exactly the address
 * that was checked (no second lookup, so DNS rebinding cannot swap it). Redirects are
 * followed by hand, each new URL checked the same way. The body is read up to the byte
 * limit and cut off past it. Ranges in media.fetch.allowCidrs are let through (your own
 * image server).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';
import { mediaRefused } from './media-errors.ts';

export interface FetchLimits {
  timeoutMs: number;
  maxRedirects: number;
  maxBytes: number;
  allowCidrs: readonly string[];
}

export interface Fetched {
  data: Buffer;
  contentType: string;
}

/** Resolves a host name to its addresses (injectable for tests). */
export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;

const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

const SPECIAL_V4 = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const;

const SPECIAL_V6 = [
  ['::', 128],
  ['::1', 128],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const;

const special = new BlockList();
for (const [net, prefix] of SPECIAL_V4) special.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of SPECIAL_V6) special.addSubnet(net, prefix, 'ipv6');

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), compatible or NAT64 (64:ff9b::/96) IPv6 address. */
function embeddedV4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = lower.match(/^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) return dotted[1]!;
  const hex = lower.match(/^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/);
  if (!hex) return null;
  const hi = Number.parseInt(hex[1]!, 16);
  const lo = Number.parseInt(hex[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

function allowList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [net = '', prefix = ''] = cidr.split('/');
    const family = isIP(net);
    if (family === 0) continue;
    list.addSubnet(
      net,
      prefix === '' ? (family === 4 ? 32 : 128) : Number(prefix),
      family === 4 ? 'ipv4' : 'ipv6',
    );
  }
  return list;
}

/** Whether a connection to `address` could reach a private or special network. */
export function isSpecialAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return special.check(address, 'ipv4');
  if (family !== 6) return true;
  const v4 = embeddedV4(address);
  if (v4) return special.check(v4, 'ipv4');
  return special.check(address, 'ipv6');
}

/** The addresses `url` may be fetched from, or a refusal naming the first special one. */
async function checkedAddress(
  url: URL,
  field: string,
  allowed: BlockList,
  resolve: Resolver,
): Promise<{ address: string; family: number }> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: Array<{ address: string; family: number }>;
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await resolve(host);
    } catch (error) {
      throw mediaRefused(
        'fetch_failed',
        field,
        `The image URL's host "${host}" does not resolve (${(error as Error).message}); send the image as a data URL instead.`,
      );
    }
  }
  if (addresses.length === 0) {
    throw mediaRefused('fetch_failed', field, `The image URL's host "${host}" has no address.`);
  }
  for (const { address, family } of addresses) {
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (isSpecialAddress(address) && !allowed.check(address, type)) {
      throw mediaRefused(
        'address_not_allowed',
        field,
        `The image URL ${url.origin} resolves to ${address}, a loopback, private, link-local or otherwise special address; Strata does not fetch from it (nothing was requested). Send the image as a data URL, or allow that range in media.fetch.allowCidrs.`,
      );
    }
  }
  return addresses[0]!;
}

/** GET `raw` under the limits, every hop's address checked before connecting. */
export async function safeFetch(
  raw: string,
  field: string,
  limits: FetchLimits,
  resolve: Resolver = systemResolver,
): Promise<Fetched> {
  const allowed = allowList(limits.allowCidrs);
  let url = parseUrl(raw, field);
  for (let hop = 0; ; hop++) {
    const target = await checkedAddress(url, field, allowed, resolve);
    const response = await get(url, target, limits.timeoutMs, field);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location) {
      response.resume();
      if (hop >= limits.maxRedirects) {
        throw mediaRefused(
          'fetch_failed',
          field,
          `The image URL redirected more than ${limits.maxRedirects} times (media.fetch.maxRedirects).`,
        );
      }
      url = parseUrl(new URL(response.headers.location, url).toString(), field);
      continue;
    }
    if (status !== 200) {
      response.resume();
      throw mediaRefused(
        'fetch_failed',
        field,
        `Fetching the image URL ${url.origin}${url.pathname} gave HTTP ${status}.`,
      );
    }
    const data = await readLimited(response, limits.maxBytes, field);
    return { data, contentType: String(response.headers['content-type'] ?? '') };
  }
}

function parseUrl(raw: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw mediaRefused(
      'fetch_failed',
      field,
      `"${raw.slice(0, 100)}" is not a URL; send a data: or https: URL.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw mediaRefused('fetch_failed', field, `Only http(s) image URLs are fetched, not ${url.protocol}.`);
  }
  if (url.username || url.password) {
    throw mediaRefused('fetch_failed', field, 'Image URLs with credentials in them are not fetched.');
  }
  return url;
}

function get(
  url: URL,
  target: { address: string; family: number },
  timeoutMs: number,
  field: string,
): Promise<IncomingMessage> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        headers: { accept: 'image/*', 'user-agent': 'strata-memory' },
        // The connection goes to the address that was checked, never to a second lookup.
        lookup: (_host, options, callback) => {
          if ((options as { all?: boolean }).all)
            (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [target]);
          else callback(null, target.address, target.family);
        },
        timeout: timeoutMs,
      },
      resolve,
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) =>
      reject(
        mediaRefused('fetch_failed', field, `Fetching the image URL ${url.origin} failed: ${error.message}.`),
      ),
    );
    req.end();
  });
}

async function readLimited(response: IncomingMessage, maxBytes: number, field: string): Promise<Buffer> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    throw mediaRefused(
      'too_large',
      field,
      `The image at that URL is ${declared} bytes; the limit is ${maxBytes} (media.maxBytes).`,
    );
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) {
      response.destroy();
      throw mediaRefused(
        'too_large',
        field,
        `The image at that URL is over ${maxBytes} bytes (media.maxBytes).`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
