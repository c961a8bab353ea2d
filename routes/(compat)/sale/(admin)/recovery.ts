import { reconcileHandler } from "../../../../lib/web/compat.ts";

/** `POST /sale/recovery`: rebuild the sale's Redis state from PostgreSQL. */
export const handler = reconcileHandler;
