import GRDB

/// What each person exposed to an experiment did, in the window after their first exposure
/// and in as long a window before it (the covariate CUPED uses): the raw sums reports are
/// made of. Metrics are defined by the Engine; this reads.
public enum ExperimentOutcomes {
    /// One period's sums for one person.
    public struct Period: Sendable, Equatable {
        public var views = 0.0
        public var dwellSeconds = 0.0
        public var dwellEvents = 0.0
        public var addedToCart = false
        public var purchased = false
        /// Purchases (price x quantity) minus returns.
        public var revenue = 0.0
        public var itemsBought = 0.0
        /// Orders: distinct sessions (or days, without a session) with a purchase.
        public var orders: Set<String> = []
        /// Clicks that followed a response this experiment decided (by request id).
        public var recommendationClicks = 0.0

        public init() {}
    }

    public struct Person: Sendable, Equatable {
        public var userPK: Int64
        public var variant: String
        public var exposedMs: Int64
        public var device: String?
        public var country: String?
        public var segments: [String] = []
        public var after = Period()
        public var before = Period()
        /// Items shown in the responses the experiment decided for them, in the window.
        public var impressedItems = 0.0
    }

    /// Everyone exposed (first exposure before `untilMs`), with their sums; `windowMs` long
    /// periods on either side of the exposure, cut at `untilMs`.
    public static func people(experimentPK: Int64, experimentKey: String, windowMs: Int64, untilMs: Int64, in db: Database) throws
        -> [Person]
    {
        var people: [Int64: Person] = [:]
        let exposed = try Row.fetchCursor(
            db,
            sql: """
                SELECT a.user_pk, a.variant, a.exposed_ms, u.last_device, u.last_country
                FROM assignments AS a JOIN users AS u USING (user_pk)
                WHERE a.experiment_pk = ? AND a.exposed_ms IS NOT NULL AND a.exposed_ms < ?
                """, arguments: [experimentPK, untilMs])
        while let row = try exposed.next() {
            people[row[0]] = Person(userPK: row[0], variant: row[1], exposedMs: row[2], device: row[3], country: row[4])
        }
        guard !people.isEmpty else { return [] }
        let events = try Row.fetchCursor(
            db,
            sql: """
                SELECT a.user_pk, e.type, e.ts_ms, e.value, e.price, e.session_id, e.experiment
                FROM assignments AS a
                JOIN events AS e ON e.user_pk = a.user_pk AND e.ts_ms >= a.exposed_ms - ?1 AND e.ts_ms < min(a.exposed_ms + ?1, ?3)
                WHERE a.experiment_pk = ?2 AND a.exposed_ms IS NOT NULL AND a.exposed_ms < ?3
                """, arguments: [windowMs, experimentPK, untilMs])
        while let row = try events.next() {
            let userPK: Int64 = row[0]
            guard var person = people[userPK] else { continue }
            let type: String = row[1]
            let ts: Int64 = row[2]
            let value: Double? = row[3]
            let price: Double? = row[4]
            let session: String? = row[5]
            let experiment: String? = row[6]
            // An event stamped with this experiment followed one of its responses, whatever
            // the clocks of the page and the server say.
            let after = ts >= person.exposedMs || experiment == experimentKey
            var period = after ? person.after : person.before
            switch type {
            case "view": period.views += 1
            case "dwell":
                if let value, value.isFinite, value >= 0 {
                    period.dwellSeconds += value
                    period.dwellEvents += 1
                }
            case "add_to_cart": period.addedToCart = true
            case "purchase":
                let quantity = value ?? 1
                period.purchased = true
                period.itemsBought += quantity
                period.revenue += (price ?? 0) * quantity
                period.orders.insert(session ?? "day:\(ts / 86_400_000)")
            case "return":
                period.revenue -= (price ?? 0) * (value ?? 1)
            case "click":
                if experiment == experimentKey { period.recommendationClicks += 1 }
            default: break
            }
            if after { person.after = period } else { person.before = period }
            people[userPK] = person
        }
        let shown = try Row.fetchCursor(
            db,
            sql: """
                SELECT a.user_pk, sum(json_array_length(i.items))
                FROM assignments AS a
                JOIN impressions AS i ON i.user_pk = a.user_pk AND i.experiment = ?1
                    AND i.ts_ms >= a.exposed_ms AND i.ts_ms < min(a.exposed_ms + ?2, ?4)
                WHERE a.experiment_pk = ?3 AND a.exposed_ms IS NOT NULL AND a.exposed_ms < ?4
                GROUP BY a.user_pk
                """, arguments: [experimentKey, windowMs, experimentPK, untilMs])
        while let row = try shown.next() {
            let userPK: Int64 = row[0]
            people[userPK]?.impressedItems = row[1] ?? 0
        }
        let memberships = try Row.fetchCursor(
            db,
            sql: """
                SELECT m.user_pk, s.key FROM segment_members AS m JOIN segments AS s USING (segment_pk)
                JOIN assignments AS a ON a.user_pk = m.user_pk AND a.experiment_pk = ? AND a.exposed_ms IS NOT NULL
                """, arguments: [experimentPK])
        while let row = try memberships.next() {
            let userPK: Int64 = row[0]
            people[userPK]?.segments.append(row[1])
        }
        return people.values.sorted { $0.userPK < $1.userPK }
    }

    public struct ReportRow: Sendable, Equatable {
        public var variant: String
        public var metric: String
        public var people: Int
        public var mean: Double?
        public var absolute: [Double]?  // effect, ci low, ci high, p
        public var relative: [Double]?
        public var method: String
        public var cupedReduction: Double?
        /// After the correction for several comparisons, when one was asked for.
        public var adjustedPValue: Double?
        /// The always-valid p-value of the sequential test.
        public var sequentialPValue: Double?

        public init(
            variant: String, metric: String, people: Int, mean: Double?, absolute: [Double]?, relative: [Double]?, method: String,
            cupedReduction: Double?, adjustedPValue: Double? = nil, sequentialPValue: Double? = nil
        ) {
            self.adjustedPValue = adjustedPValue
            self.sequentialPValue = sequentialPValue
            self.variant = variant
            self.metric = metric
            self.people = people
            self.mean = mean
            self.absolute = absolute
            self.relative = relative
            self.method = method
            self.cupedReduction = cupedReduction
        }
    }

    /// Replaces the experiment's stored report (the `experiment_results` view reads it) and adds it
    /// to the experiment's history (`experiment_report_history`).
    public static func storeReport(
        experimentPK: Int64, rows: [ReportRow], srmPValue: Double, level: Double, nowMs: Int64, in db: Database
    ) throws {
        try db.execute(sql: "DELETE FROM experiment_report_rows WHERE experiment_pk = ?", arguments: [experimentPK])
        for row in rows {
            var arguments: StatementArguments = [experimentPK, row.variant, row.metric, row.people, row.mean]
            arguments += StatementArguments((0..<4).map { row.absolute?[$0] })
            arguments += StatementArguments((0..<4).map { row.relative?[$0] })
            arguments += [row.method, row.cupedReduction, srmPValue, level, nowMs, row.adjustedPValue, row.sequentialPValue]
            try db.execute(
                sql: """
                    INSERT INTO experiment_report_rows (experiment_pk, variant, metric, people, mean,
                        absolute_effect, absolute_ci_low, absolute_ci_high, absolute_p_value,
                        relative_effect, relative_ci_low, relative_ci_high, relative_p_value,
                        method, cuped_reduction, srm_p_value, level, computed_ms, adjusted_p_value, sequential_p_value)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: arguments)
        }
        // Kept beside the latest, so that an effect can be followed over time (migration 0022).
        // Two reports in the same millisecond are one: the later replaces the earlier.
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO experiment_report_history (experiment_pk, computed_ms, variant, metric, people, mean,
                    absolute_effect, absolute_ci_low, absolute_ci_high, absolute_p_value, relative_effect, relative_ci_low,
                    relative_ci_high, relative_p_value, method, cuped_reduction, srm_p_value, level, adjusted_p_value, sequential_p_value)
                SELECT experiment_pk, computed_ms, variant, metric, people, mean, absolute_effect, absolute_ci_low, absolute_ci_high,
                       absolute_p_value, relative_effect, relative_ci_low, relative_ci_high, relative_p_value, method, cuped_reduction,
                       srm_p_value, level, adjusted_p_value, sequential_p_value
                FROM experiment_report_rows WHERE experiment_pk = ?
                """, arguments: [experimentPK])
    }
}
