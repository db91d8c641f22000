// One receiver per server process, shared by the route handlers below.
import { createReceiver } from '@optimesys/privacy-widgets/server';

export const receiver = createReceiver({
  dataDir: process.env.PRIVACY_DATA_DIR ?? './data/privacy',
  databaseUrl: process.env.DATABASE_URL || undefined,
  // Behind Vercel or your own proxy the visitor is the address it appended to X-Forwarded-For.
  trustProxy: 1,
});
