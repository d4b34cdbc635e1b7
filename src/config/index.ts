/** The config core: one key table -> types, JSON Schema, docs; parsing with ranges; validation; loading. */
export { DIAGNOSTIC_CODES, formatDiagnostic, sortDiagnostics } from './diagnostics';
export type { Diagnostic, DiagnosticCode, DiagnosticData, Position, Range, Severity } from './diagnostics';
export { CONFIG_KEYS, DERIVED_DEFAULTS, describeDefault, describeExpected, isConfigKey, KEYS, keySpec } from './schema';
export type { ConfigKey, ConfigValues, KeySpec, KeyType, OptinConfig, Origin, PathKind, RunConfig, ValueOf } from './schema';
export { entryAt, parseConfig } from './parse';
export type { ConfigEntry, ConfigNode, ParsedConfig } from './parse';
export { validateConfig, validateText } from './validate';
export type { Mode, ValidatedConfig, ValidateOptions } from './validate';
export { checkPaths, resolveConfigPath } from './paths';
export { macBudgets, resolveConfig, trajectoryFeature } from './resolve';
export { diagnoseConfig, loadConfig, readConfigText } from './load';
export type { LoadedConfig, LoadOptions } from './load';
export { configJsonSchema, configJsonSchemaText } from './jsonSchema';
export { configDocsMarkdown, keyHoverMarkdown } from './docs';
