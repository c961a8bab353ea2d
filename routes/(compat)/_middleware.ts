/**
 * The original platform's routes, kept for its clients and k6 script: their error answers (and
 * those of unknown paths under their first segments) also carry `result` and `message`.
 */
export const errors = "original";
