"""scikit-learn on the rows `npm run quality -- --export DIR` wrote: the reference figures of the
quality suite, on the same splits (same seeds, same training and test rows, the same encoded
features; trees do not care about the z-scores and log1p, one-hot columns are what they get).

Models: HistGradientBoosting (defaults), random forest (300 trees), and the linear model of the
task (logistic regression, or ridge for a regression), each seeded with the split's seed. They fit
on the training rows; the test rows are scored. Run through bench/quality-sklearn.sh.
"""
import json
import os
import sys

import numpy as np
from sklearn.ensemble import (HistGradientBoostingClassifier, HistGradientBoostingRegressor,
                              RandomForestClassifier, RandomForestRegressor)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, r2_score, roc_auc_score


def load(base, part, features):
    x = np.fromfile(os.path.join(base, f"{part}.x.f32"), dtype=np.float32).reshape(-1, features)
    y = np.fromfile(os.path.join(base, f"{part}.y.f64"), dtype=np.float64)
    return x, y


def models(task, seed):
    if task == "regression":
        return {
            "hgb": HistGradientBoostingRegressor(random_state=seed),
            "rf": RandomForestRegressor(n_estimators=300, random_state=seed, n_jobs=1),
            "linear": Ridge(),
        }
    return {
        "hgb": HistGradientBoostingClassifier(random_state=seed),
        "rf": RandomForestClassifier(n_estimators=300, random_state=seed, n_jobs=1),
        "linear": LogisticRegression(max_iter=5000),
    }


def score(task, model, x, y):
    if task == "binary":
        return roc_auc_score(y, model.predict_proba(x)[:, 1])
    if task == "multiclass":
        return accuracy_score(y, model.predict(x))
    return r2_score(y, model.predict(x))


def main(directory, out):
    results = {}
    for entry in sorted(os.listdir(directory)):
        base = os.path.join(directory, entry)
        meta = json.load(open(os.path.join(base, "meta.json")))
        x_train, y_train = load(base, "train", meta["features"])
        x_test, y_test = load(base, "test", meta["features"])
        task = meta["task"]
        if task != "regression":
            y_train, y_test = y_train.astype(int), y_test.astype(int)
        for name, model in models(task, meta["seed"]).items():
            model.fit(x_train, y_train)
            value = score(task, model, x_test, y_test)
            results.setdefault(meta["name"], {}).setdefault(name, {})[str(meta["seed"])] = value
        print(f"{meta['name']} seed {meta['seed']}: " + ", ".join(
            f"{m} {results[meta['name']][m][str(meta['seed'])]:.4f}" for m in ("hgb", "rf", "linear")))
    with open(out, "w") as f:
        json.dump(results, f, indent=2)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
