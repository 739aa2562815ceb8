import { startTeamsDriver } from './drivers/teams.js';
import { scenarioSuite } from './stories.js';

scenarioSuite('Teams (keycard start over HTTP, Bot Framework activities with tokens)', () => startTeamsDriver());
