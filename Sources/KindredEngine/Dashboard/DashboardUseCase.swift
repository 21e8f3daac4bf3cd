import Foundation
import KindredStore

/// The pages of `/dashboard`: each panel is a query from Store's dashboard catalog, run in one
/// read transaction, so that every number on a page comes from the same moment of the file.
extension Engine {
    /// The period a page covers: `days` days ending on the latest day anything was counted (so a
    /// shop whose data stopped still sees it), never after today.
    public func dashboardPeriod(days: Int) throws -> DashboardPeriod {
        guard (1...366).contains(days) else {
            throw RequestProblem(.invalid, code: "invalid_days", message: "days must be from 1 to 366", field: "days")
        }
        let today = clock.now() / 86_400_000
        let latest = try database.writer.read { db in try KPIRollups.dayRange(in: db)?.upperBound }
        let end = min(latest ?? today, today)
        return DashboardPeriod(days: (end - Int64(days) + 1)...end)
    }

    public func dashboardOverview(days: Int = 14) throws -> DashboardPage {
        let period = try dashboardPeriod(days: days)
        let now = clock.now()
        return try database.writer.read { db in
            var list = PanelList(ShownQueryReader(db))
            try list.add(
                "headline", "This period against the previous one",
                "CTR is clicks that carry a logged list's request id per item shown; conversion is purchases that followed a list per such click; recommendation revenue is the revenue of those purchases less returns.",
                .comparison(figures: [
                    ("events", .count), ("items_shown", .count), ("ctr", .rate), ("conversion", .rate),
                    ("recommendation_revenue", .money), ("revenue_share", .rate), ("mean_dwell_seconds", .seconds),
                ]), OverviewQueries.headline(current: period.days, previous: period.previous))
            try list.add(
                "events", "Events per day", "Every event filed, and the four types that matter most to recommendations.",
                .lines(x: "day", series: ["views", "clicks", "carts", "purchases"], format: .count), OverviewQueries.eventsPerDay(period.days))
            try list.add(
                "rates", "Recommendation click-through and conversion per day", "Empty where nothing was shown that day.",
                .lines(x: "day", series: ["ctr", "conversion"], format: .rate), OverviewQueries.ratesPerDay(period.days))
            try list.add(
                "revenue", "Revenue, and the part that followed a recommendation",
                "Attributed by request id: a purchase counts for recommendations when it carries the id of a list that was shown.",
                .lines(x: "day", series: ["revenue", "recommendation_revenue"], format: .money), OverviewQueries.revenuePerDay(period.days))
            try list.add(
                "freshness", "Data freshness and the serving model",
                "Events waiting are acknowledged but not filed yet (filing runs every few hundred milliseconds); ages are at the moment the page was made.",
                .table, OverviewQueries.freshness(nowMs: now))
            try list.add(
                "failures", "Background work in the period", "Imports, training, retention and reports, with the last error of each kind that failed.",
                .table, OverviewQueries.failures(sinceMs: period.days.lowerBound * 86_400_000))
            var notices: [String] = []
            let panels = list.panels
            if let waiting = panels.last(where: { $0.id == "freshness" })?.result.rows.first?.first?.number, waiting > 10_000 {
                notices.append("\(Int(waiting)) events are waiting to be filed: filing is behind.")
            }
            if let failed = panels.last?.result.values("failed").compactMap(\.number).reduce(0, +), failed > 0 {
                notices.append("\(Int(failed)) background job(s) failed in the period; see the table at the bottom.")
            }
            return DashboardPage(title: "Overview", period: period, panels: panels, notices: notices)
        }
    }

    /// How recommendations do, broken down; and what one person (a raw id, pseudonymized here as
    /// everywhere) was shown and why.
    public func dashboardRecommendations(days: Int = 14, userID: String? = nil) throws -> DashboardPage {
        let period = try dashboardPeriod(days: days)
        let pseudonym = try userID.map { id -> String in
            let trimmed = id.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, trimmed.utf8.count <= 200 else {
                throw RequestProblem(.invalid, code: "invalid_user", message: "a user id is 1 to 200 bytes", field: "user")
            }
            return database.pseudonymizer.pseudonym(of: trimmed)
        }
        return try database.writer.read { db in
            var list = PanelList(ShownQueryReader(db))
            if let pseudonym {
                try list.add(
                    "person", "What this person was shown, and why",
                    "Their last five lists, item by item, stored under pseudonym \(pseudonym.prefix(12))…; clicked is 1 when they clicked that item from that list.",
                    .table, RecommendationQueries.personLists(pseudonym: pseudonym))
            }
            let ctrNote = "CTR: clicks that carry a list's request id per item shown, from the daily rollups."
            try list.add("position", "Click-through by position", ctrNote, .bars(label: "position", value: "ctr", format: .rate),
                RecommendationQueries.clickThrough(by: .position, days: period.days))
            try list.add("surface", "Click-through by surface", ctrNote, .bars(label: "surface", value: "ctr", format: .rate),
                RecommendationQueries.clickThrough(by: .surface, days: period.days))
            try list.add("blocks", "Click-through by content block, worst first",
                "Blocks of the home and product pages (GET /v1/users/{id}/page), from the daily rollups.",
                .bars(label: "block", value: "ctr", format: .rate), RecommendationQueries.clickThrough(by: .block, days: period.days))
            try list.add("device", "Click-through by device", ctrNote, .bars(label: "device", value: "ctr", format: .rate),
                RecommendationQueries.clickThrough(by: .device, days: period.days))
            try list.add("country", "Click-through by country (the 20 largest)", ctrNote, .bars(label: "country", value: "ctr", format: .rate),
                RecommendationQueries.clickThrough(by: .country, days: period.days))
            try list.add("hour", "Click-through by hour of the day (UTC)", "By the hour each list was served (the clicks that followed it count there too), from the daily rollups.",
                .bars(label: "hour", value: "ctr", format: .rate), RecommendationQueries.clickThrough(by: .hour, days: period.days))
            try list.add("model", "Click-through by model version", ctrNote, .bars(label: "model", value: "ctr", format: .rate),
                RecommendationQueries.clickThrough(by: .model, days: period.days))
            try list.add("variant", "Click-through by experiment variant", ctrNote, .bars(label: "variant", value: "ctr", format: .rate),
                RecommendationQueries.clickThrough(by: .variant, days: period.days))
            try list.add("category", "Click-through by category of the item shown (the 20 largest)", ctrNote,
                .bars(label: "category", value: "ctr", format: .rate), RecommendationQueries.clickThrough(by: .category, days: period.days))
            try list.add("worst-items", "Items shown at least 20 times that were clicked least",
                "In the period's latest 2,000 lists, read from the impression log. Candidates for a rule (bury, filter) or a look at their page.",
                .table, RecommendationQueries.worstItems(days: period.days))
            return DashboardPage(title: "Recommendations", period: period, panels: list.panels)
        }
    }

    /// Every experiment, and the latest stored report of those that have one.
    public func dashboardExperiments() throws -> DashboardPage {
        try database.writer.read { db in
            let list = try ExperimentQueries.list.run(in: db)
            var panels = [
                DashboardPanel(
                    id: "experiments", title: "Experiments", note: "Newest first. Open one for its full report and its buttons.",
                    chart: .table, query: ExperimentQueries.list, result: list)
            ]
            for case .text(let key) in list.values("key") {
                let query = ExperimentQueries.results(experiment: key)
                let result = try query.run(in: db)
                guard !result.rows.isEmpty else { continue }
                panels.append(
                    .effects(
                        id: "effects-\(key)", title: "\(key): effects against the control, with their intervals",
                        note: "The latest stored report (the scheduler stores one each hour). Relative effects; the bar is the confidence interval at the report's level.",
                        query: query, result: result))
            }
            return DashboardPage(title: "Experiments", period: nil, panels: panels)
        }
    }

    /// A report the dashboard computed, and when: reused while it is young, because a report
    /// reads every exposed person's events (a few hundred milliseconds on a busy shop).
    public struct DashboardReport: Sendable {
        public var report: ExperimentReport
        public var status: String
        public var computedMs: Int64
    }

    /// How long the experiment page shows a report it computed before computing it again.
    public static let dashboardReportMaxAgeMs: Int64 = 10 * 60_000

    /// One experiment: its report (`previous` again while it is younger than ten minutes and the
    /// experiment's status has not changed; otherwise a fresh one, stored, so that the stored
    /// rows and the history gain it), its effects with intervals and their course over time.
    public func dashboardExperiment(
        key: String, previous: DashboardReport? = nil
    ) throws -> (page: DashboardPage, report: DashboardReport?, summary: ExperimentSummary) {
        let summary = try experiment(key: key)
        let now = clock.now()
        var report: DashboardReport?
        if summary.status != "draft" {
            if let previous, previous.status == summary.status, now - previous.computedMs < Self.dashboardReportMaxAgeMs, now >= previous.computedMs {
                report = previous
            } else {
                report = DashboardReport(report: try experimentReport(key: key), status: summary.status, computedMs: now)
            }
        }
        return (try dashboardExperimentPanels(key: key), report, summary)
    }

    /// One experiment's panels from its stored reports, computing nothing new.
    public func dashboardExperimentPanels(key: String) throws -> DashboardPage {
        _ = try experiment(key: key)
        return try database.writer.read { db -> DashboardPage in
            var panels: [DashboardPanel] = []
            let results = ExperimentQueries.results(experiment: key)
            let rows = try results.run(in: db)
            panels.append(
                .effects(
                    id: "effects", title: "Effects against the control, with their intervals",
                    note: "Relative effect per variant and metric; the bar is the confidence interval at the report's level. The method column says which test made each number.",
                    query: results, result: rows))
            let metrics = Array(Set(rows.values("metric").map(\.text))).sorted()
            for metric in metrics {
                let history = ExperimentQueries.effectHistory(experiment: key, metric: metric)
                panels.append(
                    DashboardPanel(
                        id: "history-\(metric)", title: "\(metric): relative effect over time",
                        note: "Each stored report's estimate per variant, with its confidence interval as a band (one report each hour while it runs, and one each time this page opens).",
                        chart: .bandsByGroup(
                            x: "computed_at", group: "variant", value: "relative_effect", low: "relative_ci_low", high: "relative_ci_high", format: .rate),
                        query: history, result: try history.run(in: db)))
            }
            return DashboardPage(title: "Experiment \(key)", period: nil, panels: panels)
        }
    }

    public func dashboardSegments(days: Int = 14) throws -> DashboardPage {
        let period = try dashboardPeriod(days: days)
        let today = clock.now() / 86_400_000
        let sizeDays = (today - Int64(period.length) + 1)...today
        return try database.writer.read { db in
            var list = PanelList(ShownQueryReader(db))
            try list.add("definitions", "Segments now, and what defines each",
                "A rule segment is its rule; a cluster is the features its centre stands furthest from the average on, in standard deviations. The strategy is what the segment is served.",
                .bars(label: "key", value: "members", format: .count), SegmentQueries.definitions)
            try list.add("sizes", "Members at the end of each day", "From the segments' history, up to today.",
                .linesByGroup(x: "day", group: "segment", value: "members", format: .count), SegmentQueries.sizesPerDay(days: sizeDays))
            try list.add("kpis", "What each segment's members did over the period",
                "Current members; CTR is their clicks that followed lists shown in the period per item those lists showed them, conversion their purchases that followed such lists per such click.",
                .bars(label: "segment", value: "ctr", format: .rate), SegmentQueries.kpis(days: period.days))
            try list.add("moves", "Movements between cluster segments", "People whose cluster changed over the period.", .table,
                SegmentQueries.moves(days: period.days))
            return DashboardPage(title: "Segments", period: period, panels: list.panels)
        }
    }

    public func dashboardModels() throws -> DashboardPage {
        try database.writer.read { db in
            let history = try ModelQueries.history.run(in: db)
            return DashboardPage(
                title: "Models", period: nil,
                panels: [
                    DashboardPanel(
                        id: "validation", title: "Validation NDCG and recall by version",
                        note: "Measured on the period each version held out when it was trained; empty when it had nobody to evaluate.",
                        chart: .lines(x: "version", series: ["validation_ndcg", "validation_recall"], format: .plain),
                        query: ModelQueries.history, result: history),
                    DashboardPanel(
                        id: "activations", title: "Activations", note: "Who put each version in service, and why, from the audit log.",
                        chart: .table, query: ModelQueries.activations, result: try ModelQueries.activations.run(in: db)),
                ])
        }
    }

    /// Consent, erasures, exports and retention in counts; the audit log with its chain checked.
    public func dashboardPrivacy(days: Int = 30) throws -> (page: DashboardPage, chain: AuditChain.Report) {
        let period = try dashboardPeriod(days: days)
        let now = clock.now()
        let today = now / 86_400_000
        let recent = (today - Int64(period.length) + 1)...today
        let page = try database.writer.read { db -> DashboardPage in
            var list = PanelList(ShownQueryReader(db))
            try list.add("consent-now", "Consent now, per purpose", "Each person's latest decision per purpose.",
                .bars(label: "purpose", value: "granted_share", format: .rate), PrivacyQueries.currentConsent)
            try list.add("consent-days", "Share of consent decisions that granted, per day",
                "Decisions recorded each day (banner, account settings, imports), up to today.",
                .linesByGroup(x: "day", group: "purpose", value: "grant_rate", format: .rate), PrivacyQueries.decisionsPerDay(days: recent))
            try list.add("requests", "Erasures, exports and retention purges per day", "Counts from the audit log; it names nobody.",
                .lines(x: "day", series: ["erasures", "exports", "purges"], format: .count), PrivacyQueries.requestsPerDay(days: recent))
            try list.add("retention", "Retention", "How long events are kept (retention.events_days; 0 keeps them for ever) and what the file still holds.", .table, PrivacyQueries.retention(nowMs: now, defaultEventsDays: Retention.defaultEventsDays))
            try list.add("audit", "The audit log's newest entries", "Every change an operator or the scheduler made.", .table,
                PrivacyQueries.recentAudit)
            return DashboardPage(title: "Privacy", period: period, panels: list.panels)
        }
        return (page, try verifyAuditLog())
    }
}
