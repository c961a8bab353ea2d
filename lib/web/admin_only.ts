import { AppError } from "../domain/errors.ts";
import type { Middleware } from "./http.ts";

/**
 * The admin folders' middleware: the token (or session) check, then every admin action written
 * down with how it ended.
 */
export const adminOnly: Middleware = async (ctx, next) => {
  await ctx.state.adminGate.require(ctx.req, ctx.clientIp);
  let status = 500;
  try {
    const res = await next();
    status = res.status;
    return res;
  } catch (error) {
    if (error instanceof AppError) status = error.status;
    throw error;
  } finally {
    await ctx.state.audit.record(ctx.req, ctx.clientIp, status);
  }
};
