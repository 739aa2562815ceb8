export { listOnCalls, type OnCallShift, PAGERDUTY_API_URL } from './pagerduty-api.js';
export { type OnCallErrorCode, PagerDutyError } from './pagerduty-error.js';
export {
  createPagerDutyIncidentResponders,
  DEFAULT_INCIDENT_NUMBER,
  incidentNumberOf,
  type PagerDutyIncidentRespondersConfig,
} from './pagerduty-incident-responders.js';
export { createPagerDutyOnCall, type PagerDutyOnCallConfig } from './pagerduty-oncall.js';
