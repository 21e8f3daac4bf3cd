/// The dashboard's stylesheet and script, carried by the binary. The script only enhances: the
/// pages work without it (sortable tables, and the overview refreshing itself, are its whole job).
enum DashboardAssets {
    static let css = """
        :root { --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --paper: #ffffff; --band: #f6f8fa; --accent: #0072B2;
                --good: #009E73; --bad: #D55E00; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
        * { box-sizing: border-box; }
        body { margin: 0; color: var(--ink); background: var(--band); line-height: 1.45; }
        header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .6rem 1rem; background: var(--paper);
                     border-bottom: 1px solid var(--line); }
        .brand { font-weight: 700; color: var(--ink); text-decoration: none; font-size: 1.1rem; }
        nav ul { display: flex; flex-wrap: wrap; gap: .25rem .9rem; list-style: none; margin: 0; padding: 0; }
        nav a { color: var(--accent); text-decoration: none; padding: .2rem 0; }
        nav a[aria-current="page"] { color: var(--ink); font-weight: 600; border-bottom: 2px solid var(--accent); }
        .signout { margin-left: auto; }
        button, .button { font: inherit; padding: .35rem .8rem; border: 1px solid var(--line); border-radius: 6px; background: var(--paper);
                          color: var(--ink); cursor: pointer; }
        button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
        main { max-width: 1240px; margin: 0 auto; padding: 1rem; }
        h1 { margin: .2rem 0 .6rem; font-size: 1.5rem; }
        h2 { margin: 0 0 .2rem; font-size: 1.1rem; }
        h3 { margin: .2rem 0; font-size: .95rem; }
        .period, .note, .hint, footer { color: var(--muted); font-size: .9rem; }
        .period .choices a, .period .choices strong { margin-right: .4rem; }
        footer { text-align: center; padding: 1rem; }
        .panel { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: .9rem 1rem; margin: 0 0 1rem; }
        .panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 560px), 1fr)); gap: 0 1rem; align-items: start; }
        .panels .panel.wide { grid-column: 1 / -1; }
        svg.chart { width: 100%; height: auto; display: block; font-size: 11px; }
        svg.chart .grid { stroke: #e4e8ec; } svg.chart .zero { stroke: var(--muted); stroke-dasharray: 3 3; }
        svg.chart .tick, svg.chart .label, svg.chart .value, svg.chart .empty { fill: var(--muted); }
        svg.chart .label, svg.chart .value { fill: var(--ink); font-size: 12px; }
        .legend { display: flex; flex-wrap: wrap; gap: .2rem 1rem; list-style: none; padding: 0; margin: .3rem 0 0; font-size: .85rem; }
        .legend svg { vertical-align: middle; margin-right: .3rem; }
        .multiples { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: .5rem 1rem; }
        .tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: .6rem; margin: .5rem 0; }
        .tile { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .7rem; }
        .tile dt { color: var(--muted); font-size: .8rem; text-transform: capitalize; }
        .tile dd { margin: 0; }
        .tile .figure { font-size: 1.4rem; font-weight: 650; }
        .tile .change { font-size: .8rem; color: var(--muted); }
        .tile .change.up { color: var(--good); } .tile .change.down { color: var(--bad); }
        .panel-tools { display: flex; flex-wrap: wrap; gap: .3rem 1rem; align-items: flex-start; margin-top: .4rem; font-size: .9rem; }
        .panel-tools details { flex: 1 1 100%; }
        details summary { cursor: pointer; color: var(--accent); }
        pre { background: var(--band); border: 1px solid var(--line); border-radius: 6px; padding: .6rem; overflow-x: auto; font-size: .8rem; }
        .table-wrap { overflow-x: auto; }
        p code, li code { overflow-wrap: anywhere; }
        table { border-collapse: collapse; width: 100%; font-size: .85rem; }
        th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        th { background: var(--band); position: sticky; top: 0; }
        table.sortable th { cursor: pointer; } th[aria-sort="ascending"]::after { content: " ▲"; } th[aria-sort="descending"]::after { content: " ▼"; }
        .message { background: #e6f4ea; border: 1px solid #9ed3ae; padding: .5rem .8rem; border-radius: 6px; }
        .problem { background: #fdecea; border: 1px solid #f5b5ad; padding: .5rem .8rem; border-radius: 6px; }
        .actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .5rem 0; }
        .actions form { display: inline-flex; gap: .4rem; align-items: center; }
        .login { max-width: 420px; margin: 3rem auto; }
        .login input[type=password] { width: 100%; font: inherit; padding: .5rem; margin: .4rem 0 .8rem; border: 1px solid var(--line); border-radius: 6px; }
        .search input { font: inherit; padding: .35rem; border: 1px solid var(--line); border-radius: 6px; min-width: 14rem; }
        .summary li { margin: .2rem 0; }
        a:focus, button:focus, summary:focus, input:focus { outline: 3px solid #E69F00; outline-offset: 2px; }
        @media (max-width: 600px) {
          main { padding: .5rem; } .panel { padding: .7rem; }
          .signout { margin-left: 0; } h1 { font-size: 1.25rem; }
        }
        """

    static let javascript = """
        // Progressive enhancement only: every page works without this file.
        (function () {
          "use strict";
          function valueOf(cell) {
            var raw = cell.getAttribute("data-value");
            var number = parseFloat(raw);
            return raw !== "" && !isNaN(number) && isFinite(raw) ? number : (raw || "").toLowerCase();
          }
          // Sortable tables: a click on a heading sorts by its column, again to reverse.
          document.querySelectorAll("table.sortable").forEach(function (table) {
            table.querySelectorAll("th").forEach(function (heading, index) {
              heading.tabIndex = 0;
              function sort() {
                var ascending = heading.getAttribute("aria-sort") !== "ascending";
                table.querySelectorAll("th").forEach(function (other) { other.removeAttribute("aria-sort"); });
                heading.setAttribute("aria-sort", ascending ? "ascending" : "descending");
                var body = table.tBodies[0];
                var rows = Array.prototype.slice.call(body.rows);
                rows.sort(function (a, b) {
                  var x = valueOf(a.cells[index]), y = valueOf(b.cells[index]);
                  if (x === y) { return 0; }
                  if (x === "") { return 1; } if (y === "") { return -1; }
                  return (x < y ? -1 : 1) * (ascending ? 1 : -1);
                });
                rows.forEach(function (row) { body.appendChild(row); });
              }
              heading.addEventListener("click", sort);
              heading.addEventListener("keydown", function (event) { if (event.key === "Enter") { sort(); } });
            });
          });
          // The overview refreshes itself while it is visible and nothing on it is open.
          var seconds = parseInt(document.body.getAttribute("data-refresh") || "0", 10);
          if (seconds > 0) {
            setInterval(function () {
              if (document.hidden || document.querySelector("details[open]")) { return; }
              fetch(location.href, { credentials: "same-origin" }).then(function (response) {
                if (!response.ok) { return null; }
                return response.text();
              }).then(function (text) {
                if (!text) { return; }
                var fresh = new DOMParser().parseFromString(text, "text/html").getElementById("main");
                if (fresh) { document.getElementById("main").replaceWith(fresh); }
              }).catch(function () {});
            }, seconds * 1000);
          }
        })();
        """
}
