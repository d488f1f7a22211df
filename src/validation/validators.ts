import type { ErrorObject } from 'ajv';
import * as generated from './validators.generated';
import type { ObjectDefault } from './validatorsCode';

/** A schema's check: true when `data` passes (its defaults filled in), otherwise `errors` says why. */
export interface Validator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** The name of a schema the hub checks input against (a config section, the trigger catalog, a request body). */
type SchemaName = Exclude<keyof typeof generated, 'configSections' | 'configKeys' | 'objectDefaults'>;

/** Every validator, compiled ahead of time (see validatorsCode.ts). */
export const validators = generated as unknown as Readonly<Record<SchemaName, Validator>>;

/** The validators of haven.json's sections, in the order their errors are reported. */
export const configSections: readonly Validator[] = (generated.configSections as SchemaName[]).map((name) => validators[name]);

/** Every top-level key some config section defines. */
export const configKeys: ReadonlySet<string> = new Set(generated.configKeys as string[]);

/** The config's non-empty object defaults, outermost first (see validatorsCode.ts's objectDefaults). */
export const objectDefaults = generated.objectDefaults as readonly ObjectDefault[];
