import { adminOnly } from "../../../../lib/web/admin_only.ts";

/** The original platform's changes to a sale need the admin token or session, and are audited. */
export const handler = adminOnly;
