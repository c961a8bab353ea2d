import { reconcileHandler } from "../../../../lib/web/compat.ts";

/** `POST /sale/init-stock`: the original platform's name for `/sale/recovery`. */
export const handler = reconcileHandler;
