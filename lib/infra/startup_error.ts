/** A backing service could not be reached or started at boot; the message says which and where. */
export class StartupError extends Error {}
