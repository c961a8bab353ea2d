import { renderPage } from "../lib/web/page.ts";
import { Layout } from "./Layout.tsx";

/** The sign-in page; also what every admin page shows to someone not signed in. */
export function renderLogin(
  /** waitS: seconds this address must wait after too many failed sign-ins (with status 429). */
  state: { closed: boolean; failed: boolean; waitS?: number },
  status: number,
): Promise<Response> {
  return renderPage(
    <Layout section="admin">
      <section class="login card-plain" aria-labelledby="login-title">
        <h1 id="login-title">Admin sign-in</h1>
        {state.closed
          ? (
            <p class="notice notice-warning">
              The admin console is closed: the server has no ADMIN_TOKEN configured.
            </p>
          )
          : (
            <form method="post" action="/admin/login">
              <p class="muted">Enter the admin token to manage sales.</p>
              {state.failed && (
                <p class="notice notice-danger" role="alert" id="token-error">
                  That token is not valid.
                </p>
              )}
              {state.waitS !== undefined && (
                <p class="notice notice-warning" role="alert">
                  Too many failed sign-ins from this address. Try again in{" "}
                  {Math.ceil(state.waitS / 60)} min.
                </p>
              )}
              <div class="field">
                <label for="token">Admin token</label>
                <input
                  id="token"
                  name="token"
                  type="password"
                  autocomplete="current-password"
                  required
                  aria-invalid={state.failed ? "true" : undefined}
                  aria-describedby={state.failed ? "token-error" : undefined}
                />
              </div>
              <button class="btn" type="submit">Sign in</button>
            </form>
          )}
      </section>
    </Layout>,
    {
      title: "Admin sign-in · Flashline",
      stylesheets: ["shop", "admin"],
      status,
      ...(state.waitS === undefined ? {} : { headers: { "retry-after": String(state.waitS) } }),
    },
  );
}
