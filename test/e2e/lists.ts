// The two lists as a user (and a screen reader) finds them: grids named "Messages" and "Deliveries", one row per
// message or delivery, found by the reference or the #id the row shows.
import type { Locator, Page } from 'playwright-core';

export const messagesGrid = (page: Page) => page.getByRole('grid', { name: 'Messages' });
export const deliveriesGrid = (page: Page) => page.getByRole('grid', { name: 'Deliveries' });

/** the rows that hold a message or a delivery (not the header, not a placeholder still loading) */
export const dataRows = (grid: Locator) => grid.getByRole('row').filter({ has: grid.page().getByRole('gridcell') });

const exactly = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

export const messageRow = (page: Page, reference: string) =>
  dataRows(messagesGrid(page)).filter({ has: page.getByTestId('reference').filter({ hasText: exactly(reference) }) });

export const deliveryRow = (page: Page, id: number) =>
  dataRows(deliveriesGrid(page)).filter({ has: page.getByTestId('delivery-id').filter({ hasText: exactly(`#${id}`) }) });

/** the references of the message rows shown, top to bottom */
export const shownReferences = (page: Page) => messagesGrid(page).getByTestId('reference').allTextContents();

/** the ids of the delivery rows shown, top to bottom */
export const shownDeliveryIds = async (page: Page) =>
  (await deliveriesGrid(page).getByTestId('delivery-id').allTextContents()).map((t) => Number(t.replace('#', '')));
