export const REQUEST_USAGE = '/access <resource> [duration] [level] <reason…> [--incident KEY] [--break-glass]';

export const USAGE: Record<string, string> = {
  request: REQUEST_USAGE,
  status: '/access status <KC-id>',
  release: '/access release <KC-id> [reason]',
  revoke: '/access revoke <KC-id> <reason>   (approvers and security only)',
  cancel: '/access cancel <KC-id>',
  extend: '/access extend <KC-id> <duration> [reason]',
  approve: '/access approve <KC-id> [comment]',
  deny: '/access deny <KC-id> <reason>',
  review: '/access review <KC-id> [comment]   (post-hoc review of a break-glass grant)',
  retry: '/access retry <KC-id>   (retry a revoke that keeps failing, now; approvers and reviewers)',
  list: '/access list',
  help: '/access help',
};

/** The help text every surface shows for `help`. */
export function helpText(resources: string[]): string {
  return [
    'Keycard grants temporary production access after a risk check.',
    '',
    'Request access:',
    `  ${REQUEST_USAGE}`,
    '  e.g. /access demo-db 30m read checking replication lag INC-42',
    '  Durations: 90s, 30m, 1h30m, 2h, 1d. Level and duration default to the resource’s defaults.',
    '',
    'Manage requests and grants:',
    ...['list', 'status', 'approve', 'deny', 'extend', 'release', 'cancel', 'revoke', 'review', 'retry'].map((k) => `  ${USAGE[k]}`),
    '',
    `Resources: ${resources.length > 0 ? resources.join(', ') : '(none in the policy)'}`,
  ].join('\n');
}
