# Imports the UCI Online Retail CSV into a new Kindred database, as the benchmarks on it do:
# every line a purchase (a negative quantity a return), invoices as sessions, guests' lines
# anonymous; rows Kindred refuses (a negative price) set aside in WORK/*.rejects.csv.
# Usage (sourced): import_online_retail KINDRED DB CSV WORK
import_online_retail() {
  local kindred=$1 db=$2 csv=$3 work=$4
  "$kindred" init --db "$db" >/dev/null
  "$kindred" import events "$csv" --db "$db" --type purchase --skip-bad --rejects "$work/events.rejects.csv" \
    --map user_id=CustomerID,item_id=StockCode,ts=InvoiceDate,session_id=InvoiceNo,value=Quantity,price=UnitPrice,country=Country >/dev/null
  "$kindred" import catalog "$csv" --db "$db" --skip-bad --rejects "$work/catalog.rejects.csv" \
    --map item_id=StockCode,title=Description,price=UnitPrice >/dev/null
}

# The Online Retail CSV the benchmarks read: PATH when given, else the shared data folder's;
# fails, saying where the data comes from, when the file is not there.
# Usage (sourced): csv=$(online_retail_csv "${1:-}")
online_retail_csv() {
  local csv=${1:-../shared/data/online-retail/online-retail.csv}
  [ -f "$csv" ] || { echo "no data at $csv (see ../shared/data/README.md)" >&2; return 1; }
  echo "$csv"
}
