import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from "jose";
import type { Config } from "./config.ts";
import { AppError } from "./errors.ts";

/**
 * Who the shopper is. With SHOPPER_JWT_SECRET (HS256) or SHOPPER_JWKS_URL configured, it is the
 * `sub` of the verified bearer token, and a `userId` in the request may only repeat it. Without
 * either, the platform runs in demo mode: the shopper is whoever the request says it is.
 */
export class ShopperIdentity {
  private constructor(
    private readonly key: Uint8Array | JWTVerifyGetKey | null,
    private readonly options: { audience?: string; issuer?: string; algorithms: string[] },
  ) {}

  static from(config: Config): ShopperIdentity {
    const claims = {
      ...(config.SHOPPER_JWT_AUDIENCE ? { audience: config.SHOPPER_JWT_AUDIENCE } : {}),
      ...(config.SHOPPER_JWT_ISSUER ? { issuer: config.SHOPPER_JWT_ISSUER } : {}),
    };
    if (config.SHOPPER_JWT_SECRET) {
      const secret = new TextEncoder().encode(config.SHOPPER_JWT_SECRET);
      return new ShopperIdentity(secret, { ...claims, algorithms: ["HS256"] });
    }
    if (config.SHOPPER_JWKS_URL) {
      const jwks = createRemoteJWKSet(new URL(config.SHOPPER_JWKS_URL));
      return new ShopperIdentity(jwks, { ...claims, algorithms: ["RS256", "ES256", "EdDSA"] });
    }
    return new ShopperIdentity(null, { algorithms: [] });
  }

  /** True when shoppers must prove who they are. */
  get verified(): boolean {
    return this.key !== null;
  }

  /** The shopper a request acts for; `claimed` is the userId it names, if any. */
  async shopperOf(req: Request, claimed: string | undefined): Promise<string> {
    if (!this.key) {
      if (claimed === undefined) {
        throw new AppError("VALIDATION_FAILED", undefined, [
          { path: "userId", message: "Required" },
        ]);
      }
      return claimed;
    }
    const token = /^Bearer ([A-Za-z0-9_.-]+)$/i.exec(req.headers.get("authorization") ?? "")?.[1];
    if (!token) throw new AppError("SHOPPER_UNAUTHORIZED");
    let sub: string | undefined;
    try {
      const { payload } = typeof this.key === "function"
        ? await jwtVerify(token, this.key, this.options)
        : await jwtVerify(token, this.key, this.options);
      sub = payload.sub;
    } catch {
      // Forged, expired, not yet valid, wrong audience or issuer: the reason stays in the server.
      throw new AppError("SHOPPER_UNAUTHORIZED");
    }
    if (!sub) throw new AppError("SHOPPER_UNAUTHORIZED", "The token names no shopper (sub).");
    if (claimed !== undefined && claimed !== sub) throw new AppError("FORBIDDEN_SHOPPER");
    return sub;
  }
}
