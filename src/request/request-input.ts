import { normalizeEmail } from '@optimesys/privacy-records/create';
import { Details, Email, Organisation, PersonName, Phone, RequiredDetails, type DataRequest } from '@optimesys/privacy-records/schemas';
import type { RequestType } from '@optimesys/privacy-records/vocabulary';
import { detailsRequired, isRequestType, MAX_LENGTH, type FieldProblem, type RequestField, type RequestInput } from './request-fields.js';

function check(schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } } }, field: RequestField, value: string): FieldProblem | undefined {
  const result = schema.safeParse(value);
  if (result.success) return undefined;
  const code = result.error!.issues[0]!.message;
  return code === 'too-long' ? { code, max: MAX_LENGTH[field]!, count: value.length } : { code };
}

/**
 * Checks a request with the same schemas the server verifies it with.
 * Returns the problems by field (empty when valid) and the subject and
 * details as they go into the record (trimmed, optional fields left out).
 */
export function checkRequest(input: RequestInput): {
  problems: Partial<Record<RequestField, FieldProblem>>;
  fields?: Pick<DataRequest, 'subject' | 'requestType' | 'details'>;
} {
  const problems: Partial<Record<RequestField, FieldProblem>> = {};
  const name = input.name.trim();
  const email = normalizeEmail(input.email);
  const organisation = input.organisation.trim();
  const phone = input.phone.trim();
  const details = input.details.trim();

  if (!isRequestType(input.requestType)) problems.requestType = { code: 'type' };
  const add = (field: RequestField, problem: FieldProblem | undefined) => problem && (problems[field] = problem);
  add('name', check(PersonName, 'name', name));
  add('email', check(Email, 'email', email));
  if (organisation) add('organisation', check(Organisation, 'organisation', organisation));
  if (phone) add('phone', check(Phone, 'phone', phone));
  add('details', check(detailsRequired(input.requestType) ? RequiredDetails : Details, 'details', details));

  if (Object.keys(problems).length) return { problems };
  return {
    problems,
    fields: {
      requestType: input.requestType as RequestType,
      subject: { name, email, ...(organisation ? { organisation } : {}), ...(phone ? { phone } : {}) },
      ...(details ? { details } : {}),
    } as Pick<DataRequest, 'subject' | 'requestType' | 'details'>,
  };
}
