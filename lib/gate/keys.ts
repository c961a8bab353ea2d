/**
 * Every Redis key and channel name, built in one place. All keys of a sale share the hash tag
 * `{<saleId>}`, so each script touches one Redis Cluster slot.
 */
export interface SaleKeys {
  meta: string;
  stock: string;
  buyers: string;
  outbox: string;
  lock: string;
  /** The last fencing token a rebuild of the sale was given (hold.lua). */
  fence: string;
}

export function saleKeys(prefix: string, saleId: number): SaleKeys {
  const base = `${prefix}:{${saleId}}`;
  return {
    meta: `${base}:meta`,
    stock: `${base}:stock`,
    buyers: `${base}:buyers`,
    outbox: `${base}:outbox`,
    lock: `${base}:lock`,
    fence: `${base}:fence`,
  };
}

/** Where every process hears that a sale changed (metadata, stock given back, reset). */
export function salesChannel(prefix: string): string {
  return `${prefix}:sales`;
}

/** A shopper's and a client IP's attempt counters in one sale: same hash tag as the sale's keys. */
export function rateKeys(
  prefix: string,
  saleId: number,
  userId: string,
  ip: string,
): { shopper: string; client: string } {
  const base = `${prefix}:{${saleId}}:rl`;
  return { shopper: `${base}:u:${userId}`, client: `${base}:ip:${ip}` };
}
