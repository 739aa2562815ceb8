import { z } from 'zod';

/** The parts of a modal input's state Keycard reads (text inputs, selects, checkboxes). */
const stateValueSchema = z.object({
  value: z.string().nullable().optional(),
  selected_option: z.object({ value: z.string() }).nullable().optional(),
  selected_options: z.array(z.object({ value: z.string() })).optional(),
});
const stateSchema = z.record(z.string(), z.record(z.string(), z.unknown()));

type StateValue = z.infer<typeof stateValueSchema>;

function inputState(values: unknown, blockId: string): StateValue | undefined {
  const state = stateSchema.safeParse(values);
  if (!state.success) return undefined;
  const first = Object.values(state.data[blockId] ?? {})[0];
  const parsed = stateValueSchema.safeParse(first);
  return parsed.success ? parsed.data : undefined;
}

/** A text input's trimmed value ('' when empty). */
export function textValue(values: unknown, blockId: string): string {
  return inputState(values, blockId)?.value?.trim() ?? '';
}

export function selectedValue(values: unknown, blockId: string): string | undefined {
  return inputState(values, blockId)?.selected_option?.value ?? undefined;
}

export function checkedValues(values: unknown, blockId: string): string[] {
  return (inputState(values, blockId)?.selected_options ?? []).map((o) => o.value);
}
