/**
 * The receiver's HTTP API as an OpenAPI 3.1 document, for the build
 * (`dist/openapi.json`) and for code that wants it without a running receiver.
 * There is no table to keep: each family declares its routes with
 * @hono/zod-openapi beside their handlers (`<family>/routes.ts`), and the
 * document is generated from the declarations of an app with every family
 * mounted, the one `/openapi.json` serves on a receiver with mail and the
 * console on. The console's routes carry the tag `console`, whose description
 * says they are present only when the console is configured; a receiver
 * serves at `/openapi.json` the document of what it mounts.
 */
import { createApp, type AppOptions } from './app.js';

export { VERIFY_ERROR_CODES } from './records/routes.js';

/** A dependency the document's app never calls: the families only hold on to it while declaring their routes. */
const unused = <T extends object>(name: string): T =>
  new Proxy({} as T, {
    get: (_target, key) => {
      throw new Error(`${name}.${String(key)}: the document's app runs no handler`);
    },
  });

/** The OpenAPI 3.1 document of the receiver with every family mounted, the console's included. `version`: the package version. */
export function openApiDocument(options: { version: string; serverUrl?: string }): Record<string, unknown> {
  const every: AppOptions = {
    store: unused('store'),
    verify: unused('verify'),
    countersign: unused('countersign'),
    jwks: {},
    maxBytes: 0,
    allowedOrigins: [],
    rateLimit: false,
    confirmation: unused('confirmation'),
    preferences: unused('preferences'),
    console: unused('console'),
    version: options.version,
  };
  return createApp(every).document(options.serverUrl) as unknown as Record<string, unknown>;
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'options';

/** One answer of a route, as the document has it. */
export interface RouteAnswer {
  status: number;
  description: string;
  /** Media types of its body (none for a 204). */
  content: string[];
  /** For a JSON refusal: every `error.code` it can carry. */
  codes?: string[];
  headers?: string[];
}
export interface RouteSpec {
  method: Method;
  /** OpenAPI's form: `/confirm/{token}`. */
  path: string;
  summary: string;
  responses: RouteAnswer[];
}

interface Operation {
  summary?: string;
  responses: Record<string, { description: string; headers?: object; content?: Record<string, { schema?: { properties?: { error?: { properties?: { code?: { enum?: string[] } } } } } }> }>;
}

/** Every route and answer of a document (`openApiDocument()`'s by default), as a list. */
export function receiverRoutes(document = openApiDocument({ version: '0.0.0' })): RouteSpec[] {
  const paths = document.paths as Record<string, Record<Method, Operation>>;
  return Object.entries(paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      method: method as Method,
      path,
      summary: operation.summary ?? '',
      responses: Object.entries(operation.responses).map(([status, response]) => {
        const codes = response.content?.['application/json']?.schema?.properties?.error?.properties?.code?.enum;
        return {
          status: Number(status),
          description: response.description,
          content: Object.keys(response.content ?? {}),
          ...(codes ? { codes } : {}),
          ...(response.headers ? { headers: Object.keys(response.headers) } : {}),
        };
      }),
    })),
  );
}

/** An array made on first use, behind a Proxy that passes every operation on to it. */
function lazyArray<T>(make: () => T[]): readonly T[] {
  let made: T[] | undefined;
  const array = () => (made ??= make());
  return new Proxy([] as T[], {
    get(_target, key) {
      const value: unknown = Reflect.get(array(), key);
      return typeof value === 'function' ? value.bind(array()) : value;
    },
    has: (_target, key) => Reflect.has(array(), key),
    ownKeys: () => Reflect.ownKeys(array()),
    getOwnPropertyDescriptor: (_target, key) => Reflect.getOwnPropertyDescriptor(array(), key),
  });
}

/**
 * Every route the receiver answers, with every status and error code it can answer with: the
 * document as a list. Made on first use: generating the document takes tens of milliseconds,
 * which a site importing the package for `createReceiver` should not spend at start-up.
 */
export const RECEIVER_ROUTES: readonly RouteSpec[] = lazyArray(() => receiverRoutes());
