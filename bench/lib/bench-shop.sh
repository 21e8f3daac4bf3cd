# Shared by the benchmarks that run on the 2,000,000-event benchmark shop bench/events.sh builds.
# Usage (sourced): kindred=$(kindred_binary); shop=$(bench_shop)

# The binary to measure: $KINDRED_BIN, else this checkout's release build (built if needed).
kindred_binary() {
  if [ -n "${KINDRED_BIN:-}" ]; then
    echo "$KINDRED_BIN"
  else
    swift build -c release --product kindred >/dev/null
    echo "$(swift build -c release --show-bin-path)/kindred"
  fi
}

# The benchmark shop's folder ($KINDRED_BENCH_SHOP, default $TMPDIR/kindred-bench-shop); fails
# when bench/events.sh has not built it yet.
bench_shop() {
  local shop=${KINDRED_BENCH_SHOP:-${TMPDIR:-/tmp}/kindred-bench-shop}
  [ -f "$shop/ready" ] || { echo "no benchmark shop in $shop: run bench/events.sh 5 first" >&2; return 1; }
  echo "$shop"
}
