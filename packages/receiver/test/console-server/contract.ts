// The console API's types as the server answers them (src/console/types.ts) and as the front end
// reads them (console/api.ts) must be one contract: this file does not compile if they drift.
// Checked by `node scripts/typecheck.mjs` (test/console-server/tsconfig.json).
import type * as Front from '../../console/api.js';
import type * as Server from '../../src/console/types.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type SignedIn = Omit<Extract<Front.Session, { signedIn: true }>, 'signedIn'>;

export const contract: [
  Same<Front.RequestStatus, Server.RequestStatus>,
  Same<Front.StatusFilter, Server.StatusFilter>,
  Same<Front.SignInOptions, Server.SignInOptions>,
  Same<SignedIn, Server.SessionAnswer>,
  Same<Front.RequestRow, Server.RequestRow>,
  Same<Front.RequestList, Server.RequestList>,
  Same<Front.TrailKind, Server.TrailKind>,
  Same<Front.TrailEntry, Server.TrailEntry>,
  Same<Front.RequestDetail, Server.RequestDetail>,
  Same<Front.PurposeCounts, Server.PurposeCounts>,
  Same<Front.WeekCounts, Server.WeekCounts>,
  Same<Front.ConsentStats, Server.ConsentStats>,
  Same<Front.AddressConsents, Server.AddressConsents>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true];
