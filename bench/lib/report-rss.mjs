// Loaded with `node --import` into a measured child: prints its peak resident set size on exit.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  writeSync(2, `\n@@maxrss ${process.resourceUsage().maxRSS}\n`);
});
