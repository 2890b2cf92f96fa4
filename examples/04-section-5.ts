/**
 * The paper's section 5 program, line for line, in tensorgrad. Each Keras line is quoted above the
 * code that does the same. By default it runs on a user-behaviour CSV generated from the section
 * 2.2 features (written to runs/user_behavior.csv, label column `label`); pass
 * `-- --data data/online_shoppers_intention.csv --label Revenue` to run it on the real data.
 *
 *   npm run example:4
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { readCsv } from '../src/data/csv.js';
import { prepareDataset } from '../src/data/dataset.js';
import { syntheticUsers, usersToCsv } from '../src/data/synthetic.js';
import * as tg from '../src/index.js';
import { type ExampleOptions, runIfMain } from './run-main.js';

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export async function main({ quick = false, print = console.log }: ExampleOptions = {}) {
  let file = argument('--data');
  let label = argument('--label') ?? 'label';
  if (!file) {
    const users = syntheticUsers(quick ? 2000 : 10000, { seed: 42 });
    mkdirSync('runs', { recursive: true });
    file = 'runs/user_behavior.csv';
    writeFileSync(file, usersToCsv(users).replace(/^(.*),purchased/, '$1,label'));
    label = 'label';
    print(`generated ${users.length} synthetic users (section 2.2 features) in ${file}`);
  }

  // data = pd.read_csv('user_behavior.csv')
  const data = readCsv(file);
  // X = data.drop('label', axis=1); y = data['label']
  // X = StandardScaler().fit_transform(X)
  // X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
  // (The paper scales before splitting, which lets the test rows shape the scaler. Here the split
  // comes first and the scaler, like the one-hot encoders, is fitted on the training rows only.)
  const ds = prepareDataset(data, { label, test: 0.2, validation: 0, seed: 42 });
  print(
    `${data.rows.length} rows -> ${ds.train.rows} train, ${ds.test.rows} test; ${ds.features} features after encoding`,
  );

  // model = Sequential([Dense(64, activation='relu', input_shape=(X_train.shape[1],)), Dropout(0.5),
  //                     Dense(32, activation='relu'), Dropout(0.5), Dense(1, activation='sigmoid')])
  const model = new tg.Model(
    [
      new tg.Dense(64, { activation: 'relu', inputDim: ds.features }),
      new tg.Dropout(0.5),
      new tg.Dense(32, { activation: 'relu' }),
      new tg.Dropout(0.5),
      new tg.Dense(1, { activation: 'sigmoid' }),
    ],
    { seed: 42 },
  );
  // model.compile(optimizer=Adam(learning_rate=0.001), loss='binary_crossentropy', metrics=['accuracy'])
  model.compile({
    optimizer: new tg.Adam({ learningRate: 0.001 }),
    loss: 'binaryCrossentropy',
    metrics: ['accuracy'],
  });
  print(model.summary());

  // model.fit(X_train, y_train, epochs=10, batch_size=32, validation_data=(X_test, y_test))
  const xTrain = { data: ds.train.x, shape: [ds.train.rows, ds.features] };
  const xTest = { data: ds.test.x, shape: [ds.test.rows, ds.features] };
  const history = model.fit(xTrain, ds.train.y, {
    epochs: quick ? 2 : 10,
    batchSize: 32,
    validationData: [xTest, ds.test.y],
    verbose: quick ? 0 : 1,
  });

  // loss, accuracy = model.evaluate(X_test, y_test)
  const { loss, accuracy } = model.evaluate(xTest, ds.test.y);
  print(`Test loss: ${loss.toFixed(4)}, Test accuracy: ${accuracy.toFixed(4)}`);
  return { loss, accuracy, epochs: history.epoch.length };
}

runIfMain(import.meta.url, main);
