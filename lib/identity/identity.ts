import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from "jose";
import type { Config } from "../infra/config.ts";
import { AppError } from "../domain/errors.ts";
import { userIdSchema } from "../domain/input.ts";

let vouch: (id: string, clientIp: string) => Shopper;

/**
 * A shopper this module vouched for, and the address the request came from (for the per-client
 * limit). The purchase service and the order look-up take only this: no route can reach them with
 * a typed id, or without the client's address.
 */
export class Shopper {
  static {
    vouch = (id, clientIp) => new Shopper(id, clientIp);
  }

  private constructor(readonly id: string, readonly clientIp: string) {}
}

/**
 * Who the shopper is. With SHOPPER_JWT_SECRET (HS256) or SHOPPER_JWKS_URL configured, it is the
 * `sub` of the verified bearer token, and a `userId` in the request may only repeat it. Without
 * either, the platform runs in demo mode: the shopper is whoever the request says it is.
 */
export class ShopperIdentity {
  private constructor(
    private readonly key: Uint8Array | JWTVerifyGetKey | null,
    private readonly options: {
      audience?: string;
      issuer?: string;
      algorithms: string[];
      requiredClaims: string[];
    },
  ) {}

  static from(config: Config): ShopperIdentity {
    const claims = {
      ...(config.SHOPPER_JWT_AUDIENCE ? { audience: config.SHOPPER_JWT_AUDIENCE } : {}),
      ...(config.SHOPPER_JWT_ISSUER ? { issuer: config.SHOPPER_JWT_ISSUER } : {}),
      // A token without `exp` would be a password that never expires.
      requiredClaims: ["exp", "sub"],
    };
    if (config.SHOPPER_JWT_SECRET) {
      const secret = new TextEncoder().encode(config.SHOPPER_JWT_SECRET);
      return new ShopperIdentity(secret, { ...claims, algorithms: ["HS256"] });
    }
    if (config.SHOPPER_JWKS_URL) {
      const jwks = createRemoteJWKSet(new URL(config.SHOPPER_JWKS_URL));
      return new ShopperIdentity(jwks, { ...claims, algorithms: ["RS256", "ES256", "EdDSA"] });
    }
    return new ShopperIdentity(null, { algorithms: [], requiredClaims: [] });
  }

  /** True when shoppers must prove who they are. */
  get verified(): boolean {
    return this.key !== null;
  }

  /** The shopper a request acts for; `claimed` is the userId it names, if any. */
  async shopperOf(
    ctx: { req: Request; clientIp: string },
    claimed: string | undefined,
  ): Promise<Shopper> {
    if (!this.key) {
      if (claimed === undefined) {
        throw new AppError("VALIDATION_FAILED", undefined, [
          { path: "userId", message: "Required" },
        ]);
      }
      return vouch(claimed, ctx.clientIp);
    }
    const token = /^Bearer ([A-Za-z0-9_.-]+)$/i.exec(ctx.req.headers.get("authorization") ?? "")
      ?.[1];
    if (!token) throw new AppError("SHOPPER_UNAUTHORIZED");
    let sub: unknown;
    try {
      const { payload } = typeof this.key === "function"
        ? await jwtVerify(token, this.key, this.options)
        : await jwtVerify(token, this.key, this.options);
      sub = payload.sub;
    } catch {
      // Forged, expired, without `exp`, not yet valid, wrong audience or issuer: the reason stays
      // in the server.
      throw new AppError("SHOPPER_UNAUTHORIZED");
    }
    // The same rule as a typed userId, so a token cannot name a shopper no request could.
    const shopper = userIdSchema.safeParse(sub);
    if (!shopper.success) {
      throw new AppError("SHOPPER_UNAUTHORIZED", "The token's sub is not a valid shopper id.");
    }
    if (claimed !== undefined && claimed !== shopper.data) throw new AppError("FORBIDDEN_SHOPPER");
    return vouch(shopper.data, ctx.clientIp);
  }
}
