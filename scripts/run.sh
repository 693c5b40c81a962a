#!/usr/bin/env bash
# The README's first command: install what is needed, build, and start
# confabd with its embedded defaults (no config file). Extra arguments go to
# confabd, e.g. `scripts/run.sh --set log.level=debug`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset dev >/dev/null
cmake --build --preset dev --target confabd confab
exec build/dev/apps/confabd "$@"
