import { z } from "zod";
import { type Handlers, idParam, json, parseParams } from "../../../../../lib/web/http.ts";

const ticketParam = z.string().regex(/^[A-Za-z0-9_-]{22}$/, "is not a ticket");

export const handler: Handlers = {
  async GET(ctx) {
    const saleId = parseParams(idParam, ctx.params.id);
    const ticket = parseParams(ticketParam, ctx.params.ticket);
    return json(await ctx.state.queue.ticket(saleId, ticket), 200, {
      "cache-control": "no-store",
    });
  },
};
