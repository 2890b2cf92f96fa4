#!/usr/bin/env bash
# scikit-learn's reference figures for `npm run quality`, on the same rows and seeds. Installs
# Debian's python3-sklearn when missing (here only, never in CI), exports the splits, runs
# bench/quality_sklearn.py, then prints the comparison table.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c 'import sklearn' 2>/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-sklearn >/dev/null
fi
seeds="${SEEDS:-101-110}"
dir=bench/results/quality-splits
rm -rf "$dir"
npx tsx bench/quality.ts --seeds "$seeds" --export "$dir" > /dev/null
/usr/bin/python3 bench/quality_sklearn.py "$dir" bench/results/quality-sklearn.json
npx tsx bench/quality.ts --seeds "$seeds"
