// One receiver per server process, shared by the route handlers below.
import { createReceiver } from '@optimesys/privacy-receiver';

export const receiver = createReceiver({
  dataDir: process.env.PRIVACY_DATA_DIR ?? './data/privacy',
  databaseUrl: process.env.DATABASE_URL || undefined,
  // Behind Vercel or your own proxy the visitor is the address it appended to X-Forwarded-For.
  trustProxy: 1,
  // The origin the links in confirmation mails open (this site's), never taken from a request.
  mail: { publicUrl: process.env.PUBLIC_URL ?? 'http://localhost:3000' },
});
