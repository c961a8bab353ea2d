/** What an admin gives to make a sale. */
export interface NewSale {
  name: string;
  description: string;
  totalStock: number;
  perUserLimit: number;
  startTime: Date;
  endTime: Date;
}

export interface Sale extends NewSale {
  id: number;
  updatedAt: Date;
}

export interface SaleSettings {
  totalStock: number;
  perUserLimit: number;
  startMs: number;
  endMs: number;
}

export type SaleStatus = "UPCOMING" | "ACTIVE" | "ENDED";

export function saleStatus(sale: Sale, nowMs: number): SaleStatus {
  if (nowMs < sale.startTime.getTime()) return "UPCOMING";
  if (nowMs >= sale.endTime.getTime()) return "ENDED";
  return "ACTIVE";
}

export function settingsOf(sale: Sale): SaleSettings {
  return {
    totalStock: sale.totalStock,
    perUserLimit: sale.perUserLimit,
    startMs: sale.startTime.getTime(),
    endMs: sale.endTime.getTime(),
  };
}

export interface SaleRow {
  id: string | number;
  name: string;
  description: string;
  total_stock: number;
  per_user_limit: number;
  start_time: Date;
  end_time: Date;
  updated_at: Date;
}

export function saleFromRow(r: SaleRow): Sale {
  return {
    id: Number(r.id),
    name: r.name,
    description: r.description,
    totalStock: r.total_stock,
    perUserLimit: r.per_user_limit,
    startTime: r.start_time,
    endTime: r.end_time,
    updatedAt: r.updated_at,
  };
}

/** The sale as the API shows it (DESIGN §5). */
/** A sale as the JSON API answers it, and as the islands read it (one type for both). */
export interface SaleData {
  id: number;
  name: string;
  description: string;
  status: SaleStatus;
  totalStock: number;
  remainingStock: number;
  perUserLimit: number;
  startTime: string;
  endTime: string;
  serverTime: string;
}

/** One message of a sale's live feed (GET /api/sales/:id/events), read by the sale page's island. */
export interface LiveUpdate {
  saleId: number;
  remainingStock: number;
  status: SaleStatus;
  serverTime: string;
}

export function saleJson(sale: Sale, remainingStock: number, nowMs: number): SaleData {
  return {
    id: sale.id,
    name: sale.name,
    description: sale.description,
    status: saleStatus(sale, nowMs),
    totalStock: sale.totalStock,
    remainingStock,
    perUserLimit: sale.perUserLimit,
    startTime: sale.startTime.toISOString(),
    endTime: sale.endTime.toISOString(),
    serverTime: new Date(nowMs).toISOString(),
  };
}
