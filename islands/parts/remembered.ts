/// <reference lib="dom" />
/**
 * What the shop remembers in the browser (localStorage): the last User ID typed, so the next sale
 * page fills it in, and each waiting-room ticket per sale and shopper, so a reload keeps the place.
 */

const USER_KEY = "flashsale.userId";

function ticketKey(saleId: number, userId: string): string {
  return `flashsale.ticket.${saleId}.${userId}`;
}

export function lastUserId(): string {
  return localStorage.getItem(USER_KEY) ?? "";
}

export function rememberUserId(userId: string): void {
  localStorage.setItem(USER_KEY, userId);
}

export function lineTicket(saleId: number, userId: string): string | null {
  return localStorage.getItem(ticketKey(saleId, userId));
}

export function rememberLineTicket(saleId: number, userId: string, ticket: string): void {
  localStorage.setItem(ticketKey(saleId, userId), ticket);
}

export function forgetLineTicket(saleId: number, userId: string): void {
  localStorage.removeItem(ticketKey(saleId, userId));
}
