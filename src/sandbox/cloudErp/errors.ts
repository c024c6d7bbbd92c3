/** Errors the sandbox answers the way Business Central's API does: `{ error: { code, message } }`. */
export class BcError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new BcError(400, 'BadRequest', message);

export const notFound = (what: string) =>
  new BcError(404, 'Internal_RecordNotFound', `The ${what} does not exist.`);

/** A value that must name a record of a related table (BC's own wording). */
export const missingRelated = (field: string, table: string, value: string, related: string) =>
  new BcError(
    400,
    'Internal_ValidationError',
    `The field ${field} of table ${table} contains a value (${value}) that cannot be found in the related table (${related}).`,
  );
