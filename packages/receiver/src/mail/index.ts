/** Mail from the receiver (issue #12): tokens, messages, transport, queue sender, link pages, demo mailbox. */
export * from './tokens.js';
export * from './compose.js';
export * from './transport.js';
export * from './sender.js';
export * from './memory-queue.js';
export * from './pages.js';
export * from './mailbox.js';
export * from './confirmation.js';
export * from './confirm-link.js';
export * from './config.js';
