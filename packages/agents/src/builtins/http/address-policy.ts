import { BlockList, isIP } from 'node:net';

/** Where a request must not go: loopback, private, link-local, unspecified, multicast, reserved. */
const BLOCKED_V4 = [
  ['0.0.0.0', 8], // "this network", 0.0.0.0 included
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const;
const BLOCKED_V6 = [
  ['::', 96], // unspecified, loopback (::1) and the old IPv4-compatible forms
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const;

const BLOCKED = new BlockList();
for (const [net, prefix] of BLOCKED_V4) BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of BLOCKED_V6) BLOCKED.addSubnet(net, prefix, 'ipv6');

/** The eight 16-bit groups of an IPv6 address (which may end in a dotted IPv4). */
function groupsOf(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const part = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const front = part(head);
  const back = part(tail);
  return tail === undefined ? front : [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

/**
 * The IPv4 address an IPv6 one carries: IPv4-mapped (`::ffff:a.b.c.d`) or NAT64 (`64:ff9b::a.b.c.d`),
 * which reach that IPv4 host; undefined for any other.
 */
function embeddedV4(address: string): string | undefined {
  const g = groupsOf(address);
  const mapped = g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff;
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0);
  if (!mapped && !nat64) return undefined;
  return [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff].join('.');
}

/**
 * Which hosts and addresses an `http` step may reach (SSRF guard). `allow` lists CIDRs
 * (`10.1.0.0/16`), addresses (`127.0.0.1`, `::1`) and host names (`internal.example`) that are let
 * through although they are blocked by default (`BATON_HTTP_ALLOW`).
 */
export class AddressPolicy {
  private readonly allowedNets = new BlockList();
  private readonly allowedHosts = new Set<string>();

  /** @throws RangeError for an entry that is neither a CIDR, an address nor a host name. */
  constructor(allow: readonly string[] = []) {
    for (const raw of allow) {
      const entry = raw.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
      const [net, prefix, extra] = entry.split('/');
      const family = isIP(net ?? '');
      if (family !== 0 && extra === undefined) {
        const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
        if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128) || (prefix !== undefined && !/^\d+$/.test(prefix))) {
          throw new RangeError(`invalid CIDR ${JSON.stringify(raw)} in the http allow list`);
        }
        this.allowedNets.addSubnet(net!, bits, family === 4 ? 'ipv4' : 'ipv6');
      } else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/.test(entry)) {
        this.allowedHosts.add(entry.replace(/\.$/, ''));
      } else {
        throw new RangeError(`invalid entry ${JSON.stringify(raw)} in the http allow list: a CIDR, an address or a host name`);
      }
    }
  }

  /** True when `host` (a URL's hostname, without brackets) is listed by name. */
  allowsHost(host: string): boolean {
    return this.allowedHosts.has(host.toLowerCase().replace(/\.$/, ''));
  }

  /** Why `address` (an IP address) may not be reached, or undefined when it may. */
  refusal(address: string): string | undefined {
    const family = isIP(address);
    if (family === 0) return `${address} is not an IP address`;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (this.allowedNets.check(address, type)) return undefined;
    const v4 = family === 6 ? embeddedV4(address) : undefined;
    if (v4 !== undefined) {
      if (this.allowedNets.check(v4, 'ipv4')) return undefined;
      if (BLOCKED.check(v4, 'ipv4')) return `${address} (${v4}) is a loopback, private, link-local or reserved address`;
      return undefined;
    }
    if (BLOCKED.check(address, type)) return `${address} is a loopback, private, link-local or reserved address`;
    return undefined;
  }
}
