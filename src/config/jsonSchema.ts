import { CONFIG_KEYS, describeDefault, KeySpec, keySpec } from './schema';

/**
 * The JSON Schema (draft-07) of a config file, generated from the key table, for editors
 * that validate YAML against a schema (Red Hat YAML's `yamlValidation`). It checks types,
 * ranges and enums; the cross-field rules and path checks live only in the validator.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function configJsonSchema(): Record<string, Json> {
  const properties: Record<string, Json> = {};
  for (const key of CONFIG_KEYS) properties[key] = keySchema(keySpec(key));
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'OPTIN pruning config',
    description: 'One-shot structured pruning of a fine-tuned transformer with OPTIN (generated from src/config/schema.ts; do not edit).',
    type: 'object',
    properties,
    additionalProperties: false,
  };
}

/** The committed text of schemas/optin-config.schema.json. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

function numberSchema(spec: KeySpec, integer: boolean): Record<string, Json> {
  const s: Record<string, Json> = { type: integer ? 'integer' : 'number' };
  if (spec.min !== undefined) s[spec.exclusiveMin ? 'exclusiveMinimum' : 'minimum'] = spec.min;
  if (spec.max !== undefined) s.maximum = spec.max;
  return s;
}

function typeSchema(spec: KeySpec): Record<string, Json> {
  switch (spec.type) {
    case 'number':
    case 'integer':
      return numberSchema(spec, spec.type === 'integer');
    case 'boolean':
      return { type: 'boolean' };
    case 'string':
    case 'path':
      return { type: 'string', minLength: 1 };
    case 'enum':
      return { type: 'string', enum: [...(spec.values ?? [])] };
    case 'string-list':
      return listSchema(spec, { type: 'string', minLength: 1 });
    case 'enum-list':
      return listSchema(spec, { type: 'string', enum: [...(spec.values ?? [])] });
    case 'number-or-list':
      return { anyOf: [numberSchema(spec, false), { type: 'array', items: numberSchema(spec, false), minItems: 1 }] };
    case 'auto-or-counts':
      return { anyOf: [{ type: 'string', enum: ['auto'] }, numberSchema(spec, true), { type: 'array', items: numberSchema(spec, true), minItems: 1 }] };
  }
}

function listSchema(spec: KeySpec, items: Record<string, Json>): Record<string, Json> {
  const s: Record<string, Json> = { type: 'array', items };
  if (spec.minItems !== undefined) s.minItems = spec.minItems;
  if (spec.maxItems !== undefined) s.maxItems = spec.maxItems;
  return s;
}

function keySchema(spec: KeySpec): Record<string, Json> {
  const s = typeSchema(spec);
  const dflt = describeDefault(spec);
  const notes = [
    spec.acted ? '' : `Accepted, not acted on: ${spec.notActed}.`,
    dflt ? `Default: ${dflt}.` : spec.whenAbsent ? `When absent: ${spec.whenAbsent}.` : '',
  ].filter(Boolean);
  s.description = [spec.doc, ...notes].join(' ').replace(/`/g, '');
  s.markdownDescription = [spec.doc, ...notes].join('\n\n');
  if (spec.default !== undefined) s.default = Array.isArray(spec.default) ? [...spec.default] : (spec.default as Json);
  return s;
}
