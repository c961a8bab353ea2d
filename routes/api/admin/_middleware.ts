import { adminOnly } from "../../../lib/web/admin_only.ts";

/** Every admin API route needs the admin token or session, and is audited. */
export const handler = adminOnly;
