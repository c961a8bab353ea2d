/**
 * The longest shopper id, counted as zod and HTML's `maxlength` count (UTF-16 code units): the
 * original platform's limit, so its shoppers' ids keep working. It has no imports, so the
 * islands can use it without bundling the server's validation.
 */
export const USER_ID_MAX_LENGTH = 255;
