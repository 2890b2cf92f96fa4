// A child process for the concurrent-save tests (run with `node --import tsx`):
//   write <dir> <writer> <saves>   saves <saves> models whose every weight equals writer * 10000 + i
//   read <dir> <stopFile>          loads until <stopFile> exists; prints {"loads", "failures", "errors"}
//   hang <dir>                     starts a save and blocks before its commit (the parent kills it)
import { existsSync } from 'node:fs';
import { Dense, loadModel, Model, saveModel } from '../../src/index.js';

const [mode, dir, arg, arg2] = process.argv.slice(2);

function modelWith(value: number): Model {
  const m = new Model([new Dense(4, { inputDim: 3 }), new Dense(1)], { seed: 1 });
  m.setWeights(m.getWeights().map((w) => w.map(() => value)));
  return m;
}

if (mode === 'write') {
  const writer = Number(arg);
  for (let i = 0; i < Number(arg2); i++) {
    const value = writer * 10000 + i;
    saveModel(dir, modelWith(value), { metadata: { value } });
  }
} else if (mode === 'read') {
  let loads = 0;
  let failures = 0;
  const errors: string[] = [];
  while (!existsSync(arg)) {
    try {
      const { model, metadata } = loadModel(dir);
      // A complete model: the weights are the ones its own model.json was saved with.
      const weights = model.getWeights().flatMap((w) => [...w]);
      if (!weights.every((w) => w === metadata.value)) {
        throw new Error(`weights ${weights.slice(0, 3)} do not belong to the save of ${metadata.value}`);
      }
      loads++;
    } catch (err) {
      failures++;
      if (errors.length < 5) errors.push((err as Error).message);
    }
  }
  console.log(JSON.stringify({ loads, failures, errors }));
} else if (mode === 'hang') {
  saveModel(dir, modelWith(-1), {
    metadata: { value: -1 },
    beforeCommit: () => {
      console.log('ready');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    },
  });
} else {
  throw new Error(`save-child: unknown mode '${mode}'`);
}
