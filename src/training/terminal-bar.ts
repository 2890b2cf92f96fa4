import cliProgress from 'cli-progress';
import { setEpochBarFactory } from './progress.js';

/** fit's bar on a terminal (verbose 1): a cli-progress bar per epoch, cleared when the epoch ends. */
setEpochBarFactory((format, stream, steps) => {
  const bar = new cliProgress.SingleBar(
    {
      format,
      stream,
      barsize: 30,
      barCompleteChar: '=',
      barIncompleteChar: '.',
      clearOnComplete: true,
      hideCursor: false,
      fps: 10,
      etaBuffer: 50,
    },
    cliProgress.Presets.legacy,
  );
  bar.start(steps, 0, { metrics: '' });
  return bar;
});
