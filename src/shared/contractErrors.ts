/**
 * Ajv's errors in words a person can act on. Ajv speaks schema: "must match pattern
 * "^-?(0|[1-9]…", "must match exactly one schema in oneOf", four "is required" for one
 * missing choice. This turns them into what the field must be ("a decimal string such as
 * "1.84""), names the conflicting fields, lists allowed values, and reports one violation per
 * choice instead of one per alternative. Shared by request validation and rule-set validation.
 */
import type { ErrorObject } from 'ajv';

export interface DescribedError {
  /** RFC 6901 pointer to the offending value (for a missing field, the field). */
  pointer: string;
  /** A sentence naming the field. */
  detail: string;
  keyword: string;
}

type Schema = Record<string, unknown>;

const decimalRule = '(up to 15 digits before the point and 6 after)';

/** Every pattern of the contracts, said in words. */
const patternWords: Record<string, string> = {
  '^-?(0|[1-9][0-9]{0,14})(\\.[0-9]{1,6})?$': `a decimal string such as "-12.50" or "1.84" ${decimalRule}`,
  '^(0|[1-9][0-9]{0,14})(\\.[0-9]{1,6})?$': `a decimal string of at least 0 such as "1.84" ${decimalRule}`,
  '^(?!0+(\\.0+)?$)(0|[1-9][0-9]{0,14})(\\.[0-9]{1,6})?$': `a decimal string greater than 0 such as "1.84" or "500" ${decimalRule}`,
  '^[A-Z]{3}$': 'three capital letters (an ISO 4217 currency such as "USD")',
  '^[A-Z]{2}$': 'two capital letters (an ISO 3166-1 country such as "US")',
  '^[A-Z]{2,4}$': 'two to four capital letters (a SCAC carrier code such as "UPSN")',
  '^[A-Z0-9]{1,6}$': '1 to 6 capital letters or digits (a unit of measure such as "EA")',
  '^[A-Za-z0-9][A-Za-z0-9._/-]{0,34}$':
    '1 to 35 letters, digits and . _ / -, starting with a letter or digit (such as "ACME-US")',
  '^[A-Za-z0-9][A-Za-z0-9._/-]*$': 'letters, digits and . _ / -, starting with a letter or digit',
  '^[A-Za-z0-9.-]{1,30}$': '1 to 30 letters, digits, dots and hyphens (such as "6410-100")',
  '^[a-z0-9][a-z0-9-]{0,62}$':
    '1 to 63 lower-case letters, digits and hyphens, starting with a letter or digit',
  '^[\\x21-\\x7e]+$': 'visible ASCII characters only (no spaces)',
  '^[1-9][0-9]{0,8}$': 'a positive whole number such as "3"',
};

const formatWords: Record<string, string> = {
  date: 'a calendar date such as "2026-11-02"',
  'date-time': 'a date and time with offset such as "2026-11-02T14:30:00Z"',
  uuid: 'a UUID',
  uri: 'an absolute URI',
};

const article = (type: string): string =>
  type === 'null' ? 'null' : `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;

const quoted = (values: readonly unknown[]): string =>
  values.map((v) => JSON.stringify(v)).join(', ');

const orList = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')}, or ${items.at(-1)}`;

const escapeToken = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1');

/** What a pointer is called in a sentence: its last field, or `lines[0]` for an array item. */
const nameOf = (pointer: string): string => {
  const tokens = pointer.split('/').slice(1);
  const last = tokens.at(-1);
  if (last === undefined) return 'The body';
  if (/^\d+$/.test(last)) return `${tokens.at(-2) ?? 'item'}[${last}]`;
  return last.replace(/~1/g, '/').replace(/~0/g, '~');
};

/** The fields a presence-only alternative (`{required: [...]}`) asks for, or null. */
const presenceFields = (schema: unknown): string[] | null => {
  if (!schema || typeof schema !== 'object') return null;
  const { required, properties, ...rest } = schema as Schema;
  if (!Array.isArray(required) || Object.keys(rest).length) return null;
  if (properties && Object.values(properties as Schema).some((p) => p !== true)) return null;
  return required as string[];
};

/** Enumerations longer than this are described rather than listed. */
const longEnum = 12;

/** One alternative of a `oneOf`/`anyOf`, described for "must be …". */
const describeAlternative = (schema: Schema): string => {
  if (Array.isArray(schema.enum)) return quoted(schema.enum);
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  if (schema.type === 'object' || schema.properties) {
    return required.length ? `an object with ${required.join(', ')}` : 'an object';
  }
  if (typeof schema.type === 'string') return article(schema.type);
  if (typeof schema.description === 'string') return schema.description;
  return 'another form';
};

/** The message for one error that is not a combinator (those are handled as a whole). */
const describeOne = (error: ErrorObject): DescribedError => {
  const params = error.params as Record<string, unknown>;
  const parent = (error.parentSchema ?? {}) as Schema;
  const at = (pointer: string, detail: string): DescribedError => ({
    pointer,
    detail,
    keyword: error.keyword,
  });
  const subject = nameOf(error.instancePath);
  switch (error.keyword) {
    case 'required': {
      const field = String(params.missingProperty);
      return at(`${error.instancePath}/${escapeToken(field)}`, `${field} is required.`);
    }
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      return at(`${error.instancePath}/${escapeToken(field)}`, `${field} is not a known property.`);
    }
    case 'pattern': {
      const words = patternWords[String(params.pattern)];
      return at(
        error.instancePath,
        words
          ? `${subject} must be ${words}.`
          : `${subject} is not in the expected form${typeof parent.description === 'string' ? ` (${parent.description.replace(/\.$/, '')})` : ''}.`,
      );
    }
    case 'type': {
      const words = typeof parent.pattern === 'string' ? patternWords[parent.pattern] : undefined;
      if (words) {
        const given = typeof error.data === 'number' ? ', not a JSON number' : '';
        return at(error.instancePath, `${subject} must be ${words}${given}.`);
      }
      const types = Array.isArray(params.type) ? params.type : String(params.type).split(',');
      return at(
        error.instancePath,
        `${subject} must be ${orList(types.map(String).map(article))}.`,
      );
    }
    case 'format': {
      const words = formatWords[String(params.format)];
      return at(
        error.instancePath,
        `${subject} must be ${words ?? `in format ${String(params.format)}`}.`,
      );
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]) ?? [];
      if (allowed.length <= longEnum) {
        return at(error.instancePath, `${subject} must be one of ${quoted(allowed)}.`);
      }
      // A long list (ISO 4217 currencies) helps nobody: say what it is, and suggest the value
      // the client probably meant.
      const what =
        typeof parent.description === 'string' ? ` (${parent.description.split(' (')[0]})` : '';
      const meant = allowed.find(
        (value) =>
          typeof value === 'string' &&
          typeof error.data === 'string' &&
          value.toLowerCase() === error.data.toLowerCase(),
      );
      const hint =
        meant === undefined
          ? `, such as ${quoted(allowed.slice(0, 3))}.`
          : `; did you mean ${JSON.stringify(meant)}?`;
      return at(
        error.instancePath,
        `${subject} is not among the ${allowed.length} accepted values${what}${hint}`,
      );
    }
    case 'const':
      return at(error.instancePath, `${subject} must be ${JSON.stringify(params.allowedValue)}.`);
    case 'not': {
      const fields = presenceFields(error.schema);
      return at(
        error.instancePath,
        fields
          ? `${subject} must not have ${fields.join(' and ')} together.`
          : `${subject} has a value that is not allowed here.`,
      );
    }
    default:
      return at(error.instancePath, `${subject} ${error.message ?? 'is invalid'}.`);
  }
};

/** A failed `oneOf`/`anyOf` as one violation; its alternatives' own errors are folded in. */
const describeChoice = (error: ErrorObject): DescribedError | null => {
  const alternatives = (Array.isArray(error.schema) ? error.schema : []) as Schema[];
  const parent = (error.parentSchema ?? {}) as Schema;
  const subject = nameOf(error.instancePath);
  const at = (detail: string): DescribedError => ({
    pointer: error.instancePath,
    detail,
    keyword: error.keyword,
  });
  const fieldSets = alternatives.map(presenceFields);
  if (fieldSets.every((fields) => fields !== null)) {
    // Fields can only be present in an object; the type error at this value says what it is.
    if (!error.data || typeof error.data !== 'object' || Array.isArray(error.data)) return null;
    // A schema whose only job is to ask for some of these fields may say so in its own words.
    const onlyChoice = Object.keys(parent).every(
      (key) => key === 'description' || key === error.keyword,
    );
    if (onlyChoice && typeof parent.description === 'string') return at(parent.description);
    const fields = [...new Set(fieldSets.flat() as string[])];
    const passing = (error.params as { passingSchemas?: number[] | null }).passingSchemas;
    if (error.keyword === 'oneOf' && Array.isArray(passing)) {
      const data = (error.data ?? {}) as Schema;
      const present = fields.filter((field) => field in data);
      return at(
        `${subject} has both ${present.join(' and ')}; give exactly one of ${fields.join(', ')}.`,
      );
    }
    const howMany = error.keyword === 'oneOf' ? 'exactly one' : 'at least one';
    return at(`${subject} must have ${howMany} of ${fields.join(', ')}.`);
  }
  return at(`${subject} must be ${orList(alternatives.map(describeAlternative))}.`);
};

const isChoice = (error: ErrorObject): boolean =>
  error.keyword === 'oneOf' || error.keyword === 'anyOf';

/**
 * Every error described once. Dropped: `if` (its `then` error says it), the `propertyNames`
 * wrapper (its inner error names the field), the alternatives' errors at the choice's own
 * value (the choice says them all), and a `not` that only restates a oneOf's conflict.
 */
export const describeErrors = (errors: readonly ErrorObject[]): DescribedError[] => {
  const choices = errors.filter(isChoice);
  const folded = (error: ErrorObject): boolean =>
    choices.some(
      (choice) =>
        choice !== error &&
        error.schemaPath.startsWith(`${choice.schemaPath}/`) &&
        error.instancePath === choice.instancePath,
    ) ||
    (error.keyword === 'not' &&
      choices.some(
        (choice) => choice.keyword === 'oneOf' && choice.instancePath === error.instancePath,
      ));
  // A value that took the shape of one alternative is explained by that alternative's errors.
  const explainedDeeper = (choice: ErrorObject): boolean =>
    errors.some(
      (error) =>
        error.schemaPath.startsWith(`${choice.schemaPath}/`) &&
        error.instancePath.startsWith(`${choice.instancePath}/`),
    );
  return errors
    .filter(
      (error) =>
        error.keyword !== 'if' &&
        !(isChoice(error) && explainedDeeper(error)) &&
        !(error.keyword === 'propertyNames' && error.propertyName === undefined) &&
        !folded(error),
    )
    .flatMap((error): DescribedError[] => {
      if (error.propertyName !== undefined) {
        // propertyNames: the fault is the field itself, e.g. a quantity on a line being cancelled.
        const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues;
        return [
          {
            pointer: `${error.instancePath}/${escapeToken(error.propertyName)}`,
            detail: `${error.propertyName} is not allowed here${allowed ? `; allowed are ${allowed.join(', ')}` : ''}.`,
            keyword: error.keyword,
          },
        ];
      }
      const described = isChoice(error) ? describeChoice(error) : describeOne(error);
      return described ? [described] : [];
    });
};
