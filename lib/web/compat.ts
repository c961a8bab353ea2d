import { z } from "zod";
import { AppError } from "../domain/errors.ts";
import { type Handlers, json, parseParams, type RouteContext } from "./http.ts";

/** The original platform's routes take `?saleId=` and default to sale 1. */
export async function seedSaleId(ctx: RouteContext): Promise<number> {
  const raw = ctx.url.searchParams.get("saleId");
  if (raw === null) return 1;
  const id = parseParams(z.string().regex(/^[1-9][0-9]{0,14}$/).transform(Number), raw);
  if (!(await ctx.state.catalog.find(id))) throw new AppError("SALE_NOT_FOUND");
  return id;
}

/** `POST /sale/recovery` and `POST /sale/init-stock`: rebuild Redis from PostgreSQL. */
export const reconcileHandler: Handlers = {
  async POST(ctx) {
    const drift = await ctx.state.admin.reconcile(await seedSaleId(ctx));
    const message = drift.repaired
      ? "Redis is rebuilt from PostgreSQL."
      : "Redis already agreed with PostgreSQL.";
    return json({ message, drift });
  },
};
