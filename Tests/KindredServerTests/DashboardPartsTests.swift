import Foundation
@testable import KindredStore
import Testing

@testable import KindredEngine
@testable import KindredServer

/// The dashboard's pure parts on hand-made cases: axes, number formats, escaping, the CSV form
/// of a result, the sessions' expiry and capacity, and marks that carry their source values.
@Suite struct DashboardPartsTests {
    @Test func anAxisRunsFromZeroToARoundNumberAboveTheLargestValue() {
        let (low, high, ticks) = SVGChart.axis([3, 17, 9])
        #expect(low == 0 && high == 20 && ticks == [0, 5, 10, 15, 20])
        let rates = SVGChart.axis([0.012, 0.031])
        #expect(rates.low == 0 && abs(rates.high - 0.04) < 1e-12 && rates.ticks.count == 5)
        let negative = SVGChart.axis([-0.3, 0.1])
        #expect(abs(negative.low + 0.3) < 1e-12 && abs(negative.high - 0.1) < 1e-12 && negative.ticks.count == 5)
        #expect(SVGChart.axis([]).high == 1 && SVGChart.axis([0, 0]).ticks == [0, 0.5, 1])
    }

    @Test func numbersReadAsAShopOwnerReadsThem() {
        #expect(ValueText.format(1_234_567, .count) == "1,234,567")
        #expect(ValueText.format(-1234, .count) == "-1,234")
        #expect(ValueText.format(0.0279, .rate) == "2.79%")
        #expect(ValueText.format(0.1234, .rate) == "12.3%")
        #expect(ValueText.format(0.0004, .rate) == "0.040%")
        #expect(ValueText.format(345.494, .money) == "345.49")
        #expect(ValueText.format(30, .hours) == "30.0 h" && ValueText.format(72, .hours) == "3.0 days")
        #expect(ValueText.format(nil, .rate) == "–" && ValueText.format(.nan, .count) == "–")
        #expect(ValueText.cell(.integer(1200), column: "version") == "1200")
        #expect(ValueText.cell(.integer(1200), column: "events") == "1,200")
        #expect(ValueText.cell(.real(0.5), column: "granted_share") == "50.0%")
        #expect(PanelHTML.label("ctr") == "CTR" && PanelHTML.label("mean_dwell_seconds") == "Mean dwell seconds")
    }

    @Test func everythingFromTheDatabaseIsEscaped() {
        #expect(HTMLText.escape(#"<script>alert("x")</script> & 'y'"#) == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;")
        let result = QueryResult(columns: ["label", "ctr"], rows: [[.text("<b>x</b>"), .real(0.5)]])
        let panel = DashboardPanel(id: "p", title: "<i>T</i>", note: "n", chart: .bars(label: "label", value: "ctr", format: .rate),
            query: ShownQuery("SELECT '<b>x</b>' AS label, 0.5 AS ctr"), result: result)
        let html = PanelHTML.render(panel, csvLink: "/dashboard/csv/x/p?a=1&b=2")
        #expect(!html.contains("<b>") && !html.contains("<i>") && html.contains("&lt;b&gt;x&lt;/b&gt;"))
        #expect(html.contains("SELECT &#39;&lt;b&gt;x&lt;/b&gt;&#39; AS label") && html.contains("href=\"/dashboard/csv/x/p?a=1&amp;b=2\""))
        #expect(html.contains(#"data-column="ctr" data-row="0" data-value="0.5""#))
    }

    @Test func aResultsCSVQuotesWhatNeedsIt() {
        let result = QueryResult(
            columns: ["name", "n", "share", "note"],
            rows: [[.text("a,b"), .integer(3), .real(0.25), .null], [.text("say \"hi\""), .integer(-1), .real(2), .text("two\nlines")]])
        #expect(result.csv == "name,n,share,note\r\n\"a,b\",3,0.25,\r\n\"say \"\"hi\"\"\",-1,2.0,\"two\nlines\"\r\n")
        #expect(QueryCell.real(0.1 + 0.2).text == "0.30000000000000004")
        #expect(QueryCell.real(1e20).text == "1e+20")
    }

    @Test func sessionsExpireAndTheOldestGiveWayAtCapacity() {
        let sessions = DashboardSessions(lifetimeSeconds: 10, capacity: 2)
        let first = sessions.start(keyID: "a", nowMs: 0)
        #expect(first.id.count == 64 && first.session.csrf.count == 64 && first.id != first.session.csrf)
        #expect(sessions.find(first.id, nowMs: 9_999)?.keyID == "a")
        #expect(sessions.find(first.id, nowMs: 10_000) == nil, "expired at its lifetime")
        let second = sessions.start(keyID: "b", nowMs: 20_000)
        let third = sessions.start(keyID: "c", nowMs: 21_000)
        let fourth = sessions.start(keyID: "d", nowMs: 22_000)
        #expect(sessions.find(second.id, nowMs: 22_001) == nil, "the oldest gave way")
        #expect(sessions.find(third.id, nowMs: 22_001) != nil && sessions.find(fourth.id, nowMs: 22_001) != nil)
        sessions.end(third.id)
        #expect(sessions.find(third.id, nowMs: 22_001) == nil)
        #expect(DashboardSessions.same("abc", "abc") && !DashboardSessions.same("abc", "abd") && !DashboardSessions.same("abc", "ab"))
    }

    @Test func aBandSurroundsEachLineAndItsMarksCarryTheirBounds() {
        let result = QueryResult(
            columns: ["at", "variant", "effect", "low", "high"],
            rows: [
                [.text("2026-12-01T00:00:00Z"), .text("b"), .real(0.1), .real(-0.05), .real(0.25)],
                [.text("2026-12-02T00:00:00Z"), .text("b"), .real(0.08), .real(0.01), .real(0.15)],
            ])
        let panel = DashboardPanel(
            id: "h", title: "effect", note: "", chart: .bandsByGroup(x: "at", group: "variant", value: "effect", low: "low", high: "high", format: .rate),
            query: ShownQuery("SELECT 1"), result: result)
        let html = PanelHTML.render(panel, csvLink: "/x")
        #expect(html.components(separatedBy: "<polygon class=\"band\"").count == 2)
        #expect(html.contains(#"data-low-column="low" data-low="0.01" data-high-column="high" data-high="0.15""#))
    }
}
