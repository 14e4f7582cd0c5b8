// Placeholder until the CLI lands (issue 5): being replaced by the CLI work.
import { ExitMonitor } from '../index.js';

const monitor = new ExitMonitor();
monitor.subscribe('all', (e) => console.log(JSON.stringify(e)));
monitor.publish({ pid: 4242, code: 0 });
