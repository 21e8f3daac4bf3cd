#!/usr/bin/env bash
# Coverage-guided fuzzing of the input parsers with libFuzzer (docs/fuzzing.md): the CSV
# reader, JSON Lines imports, request bodies and the timestamp parser, each for SECONDS, from
# the seed corpus in fuzz/corpus/<target>/. A crash, a hang over 5 s or a failed invariant
# stops the run, leaves the input in fuzz/findings/ and exits non-zero.
#
# Usage: scripts/fuzz.sh [SECONDS per target, default 60] [target ...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(csv jsonl request-json timestamp)
flags=(--package-path Fuzz --scratch-path .build-fuzz -c release -Xswiftc -sanitize=fuzzer)
swift build "${flags[@]}" --product KindredFuzz
bin="$(swift build "${flags[@]}" --show-bin-path)/KindredFuzz"
mkdir -p fuzz/findings
status=0
for target in "${targets[@]}"; do
  work=$(mktemp -d)
  echo "== $target: ${seconds}s from $(ls fuzz/corpus/$target | wc -l) seeds"
  # New inputs go to the scratch corpus (first directory); the seeds stay as they are.
  if ! KINDRED_FUZZ_TARGET=$target "$bin" "$work" "fuzz/corpus/$target" -max_total_time="$seconds" -timeout=5 \
      -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 -artifact_prefix="fuzz/findings/$target-" 2>"$work.log"; then
    status=1
    echo "!! $target found a problem; the input is in fuzz/findings/:"
    tail -40 "$work.log"
  fi
  grep -E "^stat::(number_of_executed_units|new_units_added|peak_rss_mb)|^#[0-9]+ *DONE" "$work.log" | sed "s/^/   /" || true
  echo "   corpus grew to $(ls "$work" | wc -l) inputs"
  rm -rf "$work" "$work.log"
done
exit $status
