import type { Context } from 'hono';
import type { ReceiverOptions } from '@optimesys/privacy-receiver';

export function crmStandIn(c: Context): Promise<Response>;
export function demoSite(root: string): Pick<ReceiverOptions, 'staticRoots' | 'routes' | 'notices'>;
