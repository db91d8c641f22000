import { REQUEST_TYPES, type RequestType } from '@optimesys/privacy-records/vocabulary';

// The form's fields without the schemas: what the element needs to render
// (the zod checks in request-input.ts load when the visitor starts typing).

/** What a visitor typed, as strings. */
export interface RequestInput {
  requestType: string;
  name: string;
  email: string;
  organisation: string;
  phone: string;
  details: string;
}
export type RequestField = keyof RequestInput;

/** Why a field was refused: a schema code (`blank`, `too-long`, `invalid-email`…) and what the message needs. */
export interface FieldProblem {
  code: string;
  max?: number;
  count?: number;
}

export const FIELD_ORDER: RequestField[] = ['requestType', 'name', 'email', 'organisation', 'phone', 'details'];
export const MAX_LENGTH: Partial<Record<RequestField, number>> = {
  name: 200,
  email: 254,
  organisation: 200,
  phone: 40,
  details: 4000,
};

export const isRequestType = (value: string): value is RequestType => Object.hasOwn(REQUEST_TYPES, value);

/** Details are required only where the request cannot be handled without them. */
export const detailsRequired = (type: string) => type === 'rectification';

type Problems = Partial<Record<RequestField, FieldProblem>>;

/**
 * The problems still shown after the visitor changed `field`: an error goes
 * away once fixed (when the checks have loaded); new ones only appear on send.
 */
export function problemsAfterInput(
  problems: Problems,
  input: RequestInput,
  field: RequestField,
  check: ((input: RequestInput) => { problems: Problems }) | undefined,
): Problems {
  let left = problems;
  if (left[field] && check && !check(input).problems[field]) {
    const { [field]: _fixed, ...rest } = left;
    left = rest;
  }
  if (field === 'requestType' && left.details && !detailsRequired(input.requestType)) {
    const { details: _details, ...rest } = left;
    left = rest;
  }
  return left;
}
