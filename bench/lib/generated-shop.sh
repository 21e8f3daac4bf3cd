# A shop from `kindred generate` imported into a new database, as the benchmarks at a chosen
# size build it: the catalog, then every month of events.
# Usage (sourced): generated_shop KINDRED FOLDER DB USERS ITEMS EVENTS
generated_shop() {
  local kindred=$1 folder=$2 db=$3 users=$4 items=$5 events=$6
  "$kindred" generate --out "$folder" --users "$users" --items "$items" --events "$events" >/dev/null
  "$kindred" init --db "$db" >/dev/null
  "$kindred" import catalog "$folder/catalog.csv" --db "$db" >/dev/null
  local f
  for f in "$folder"/events-*.csv; do "$kindred" import events "$f" --db "$db" >/dev/null; done
}
