import { startConsoleDriver } from './drivers/console.js';
import { scenarioSuite } from './stories.js';

scenarioSuite('the console (keycard start without chat)', startConsoleDriver);
