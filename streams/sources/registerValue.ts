import type { TriggerDef } from '../contracts';

/** A 16-bit register read as a signed integer (two's complement), as PLCs store INT. */
export function toInt16(raw: number): number {
  const word = raw & 0xffff;
  return word >= 0x8000 ? word - 0x10000 : word;
}

/**
 * The value a holding register carries for its trigger, before validation (the gateway decides
 * whether it fits):
 *
 * - On/Off: 0 → "Off", anything else → "On";
 * - Discrete with only numeric `values`: the register as a signed integer (`Dial.Number` 7 is 7);
 * - Discrete with text `values`: an index into `values` (`Stage.Mode` 1 is "intro"); an index
 *   outside the list is passed on as the number, so the gateway rejects it with its own message;
 * - Continuous: the register as a signed integer times `scale` (a scale of 0.1 reads 215 as 21.5);
 * - OneShot: no value.
 */
export function registerToValue(def: TriggerDef, raw: number, scale = 1): string | number | null {
  switch (def.type) {
    case 'On/Off':
      return (raw & 0xffff) !== 0 ? 'On' : 'Off';
    case 'Discrete': {
      const values = def.values;
      if (values === undefined || values.every((v) => typeof v === 'number')) return toInt16(raw);
      return values[raw & 0xffff] ?? raw & 0xffff;
    }
    case 'Continuous':
      // toPrecision drops binary noise: 3 × 0.1 reads as 0.3, not 0.30000000000000004.
      return scale === 1 ? toInt16(raw) : Number((toInt16(raw) * scale).toPrecision(12));
    case 'OneShot':
      return null;
  }
}
