/** Who is on call right now. The policy's rotations are one source; PagerDuty is another (src/oncall/). */
export interface OnCallSource {
  /** The rotations/schedules through which `email` is on call at `at` (empty when not on call). */
  onCallVia(email: string, at: Date): Promise<string[]>;
}
