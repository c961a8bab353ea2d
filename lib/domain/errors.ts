/** Every error the API can answer with: its code, HTTP status and the message a client sees. */
export const ERRORS = {
  VALIDATION_FAILED: { status: 400, message: "The request is not valid." },
  INVALID_JSON: { status: 400, message: "The request body is not valid JSON." },
  QUANTITY_OVER_LIMIT: { status: 400, message: "The quantity is above the per-shopper limit." },
  PROOF_INVALID: {
    status: 400,
    message: "The proof of work is wrong, expired, or was made for another shopper or sale.",
  },
  SIGNATURE_INVALID: {
    status: 400,
    message: "The Payment-Signature header is missing, wrong, or older than 300 seconds.",
  },
  UNAUTHORIZED: { status: 401, message: "A valid admin bearer token is required." },
  CSRF_REJECTED: {
    status: 403,
    message:
      "A change made with the admin cookie must send the header X-Requested-With: flashline.",
  },
  SHOPPER_UNAUTHORIZED: {
    status: 401,
    message: "A valid shopper bearer token is required.",
  },
  FORBIDDEN_SHOPPER: {
    status: 403,
    message: "The userId does not match the shopper of the token.",
  },
  QUEUE_NOT_OPEN: { status: 403, message: "The line of this sale is not open." },
  ADMISSION_REQUIRED: {
    status: 403,
    message: "This sale has a waiting room: join the line and buy with its admission.",
  },
  ADMISSION_INVALID: {
    status: 403,
    message: "The admission is not valid: forged, another shopper's or sale's, expired or used.",
  },
  NOT_FOUND: { status: 404, message: "No such resource." },
  SALE_NOT_FOUND: { status: 404, message: "No such sale." },
  ORDER_NOT_FOUND: { status: 404, message: "This shopper has no order in this sale." },
  TICKET_NOT_FOUND: {
    status: 404,
    message: "The line of this sale holds no such ticket; join it again.",
  },
  METHOD_NOT_ALLOWED: { status: 405, message: "Method not allowed." },
  STOCK_BELOW_RESERVED: {
    status: 409,
    message: "The new total stock is below what is already sold or reserved.",
  },
  NO_WAITING_ROOM: { status: 409, message: "This sale has no waiting room: buy directly." },
  HOLD_EXPIRED: {
    status: 409,
    message: "The hold had ended (expired or cancelled): the item went back to the stock. A " +
      "payment for it must be refunded.",
  },
  ORDER_PAID: { status: 409, message: "The order is paid: it can no longer be cancelled." },
  NO_CHECKOUT: {
    status: 409,
    message: "This sale has no checkout: its orders are confirmed at once and take no payment.",
  },
  ORDER_PENDING: {
    status: 409,
    message: "The order is still being confirmed; retry in a moment.",
  },
  PAYLOAD_TOO_LARGE: { status: 413, message: "The request body is too large." },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "The request body must be application/json." },
  RATE_LIMITED: {
    status: 429,
    message: "Too many attempts; retry after the number of seconds in Retry-After.",
  },
  TOO_MANY_STREAMS: {
    status: 429,
    message: "Too many open event streams; retry after the number of seconds in Retry-After.",
  },
  INTERNAL: { status: 500, message: "Internal error." },
  ADMIN_DISABLED: {
    status: 503,
    message: "The admin API is closed: the server has no ADMIN_TOKEN configured.",
  },
  PAYMENTS_DISABLED: {
    status: 503,
    message: "The payment webhook is closed: the server has no PAYMENT_WEBHOOK_SECRET configured " +
      "(set it to the secret the payment events are signed with).",
  },
  SALE_REBUILDING: {
    status: 503,
    message: "The sale is being restored; retry in a moment.",
  },
  SHUTTING_DOWN: { status: 503, message: "The server is shutting down; retry in a moment." },
  UNAVAILABLE: {
    status: 503,
    // A purchase that met this may or may not have reserved: a retry tells, and never buys twice.
    message: "A backing service did not answer; retry in a moment (a retried purchase never " +
      "makes a second order).",
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** A fault with a stable code; routes never build error bodies by hand. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: unknown,
    /** Seconds a client should wait before retrying (the Retry-After header), if it may. */
    readonly retryAfterS?: number,
  ) {
    super(message ?? ERRORS[code].message);
  }

  get status(): number {
    return ERRORS[this.code].status;
  }
}

export function errorBody(code: ErrorCode, message?: string, details?: unknown) {
  return {
    error: {
      code,
      message: message ?? ERRORS[code].message,
      ...(details === undefined ? {} : { details }),
    },
  };
}

/**
 * An error as the original platform's clients read it: its React UI shows `message` and styles by
 * `result` for every answer, so a refusal carries both next to the standard `error` object.
 */
export function originalErrorBody(code: ErrorCode, message?: string, details?: unknown) {
  const body = errorBody(code, message, details);
  return { result: code, message: body.error.message, ...body };
}
