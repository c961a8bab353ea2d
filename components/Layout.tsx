import type { ComponentChildren } from "preact";

function Logo() {
  return (
    <svg class="logo-mark" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
      <rect width="32" height="32" rx="8" fill="currentColor" />
      <path d="M18.5 4 8 18h7l-2 10 11-14.5h-7.2L18.5 4Z" fill="#ffd166" />
    </svg>
  );
}

/** The frame of every page: header, main content, footer. Server-only. */
export function Layout(props: { children: ComponentChildren; section?: "shop" | "admin" }) {
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="site-header">
        <div class="wrap header-inner">
          <a class="logo" href="/">
            <Logo />
            <span>Flashline</span>
          </a>
          <nav aria-label="Main">
            <a href="/" aria-current={props.section === "shop" ? "page" : undefined}>Sales</a>
            <a href="/admin" aria-current={props.section === "admin" ? "page" : undefined}>
              Admin
            </a>
          </nav>
        </div>
      </header>
      <main id="main" class="wrap">{props.children}</main>
      <footer class="site-footer">
        <div class="wrap footer-inner">
          <span>One order per shopper per sale · Times run on the shop's clock</span>
          <span>No overselling · Every order recorded before it is confirmed</span>
        </div>
      </footer>
    </>
  );
}
