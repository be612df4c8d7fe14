#!/usr/bin/env bash
# check-counts.sh COUNTS README: the pass counts README lists between its counts markers must
# be exactly what `make counts` printed (COUNTS), so that the two never drift apart.
set -euo pipefail
got=$1 readme=$2
want=$(sed -n '/<!-- counts:begin -->/,/<!-- counts:end -->/p' "$readme" | grep -v -e '<!-- counts:' -e '^```')
if ! diff -u <(printf '%s\n' "$want") "$got" >/dev/null; then
  echo "README.md's pass counts (between <!-- counts:begin --> and <!-- counts:end -->) differ from make counts:"
  diff -u --label README.md --label "make counts" <(printf '%s\n' "$want") "$got" || true
  exit 1
fi
