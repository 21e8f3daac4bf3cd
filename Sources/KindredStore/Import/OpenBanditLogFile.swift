import Foundation

/// A bandit log as read from a file: each row one item shown in one slot with the behaviour
/// policy's probability for it, the reward that followed and the context it was shown in.
/// Item ids and context values stay text here; evaluation numbers them.
public struct BanditLogFile: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var timestampMs: Int64
        public var itemID: String
        /// 1-based, as shops and the Open Bandit Dataset count positions.
        public var position: Int
        public var reward: Double
        public var propensity: Double
        /// One value per `contextFields` entry.
        public var context: [String]
        /// One per `itemIDs` entry when the log has per-item features (OBD's user-item affinity).
        public var affinity: [Float]?

        public init(
            timestampMs: Int64, itemID: String, position: Int, reward: Double, propensity: Double, context: [String],
            affinity: [Float]? = nil
        ) {
            self.timestampMs = timestampMs
            self.itemID = itemID
            self.position = position
            self.reward = reward
            self.propensity = propensity
            self.context = context
            self.affinity = affinity
        }
    }

    public enum Format: String, Sendable, CaseIterable {
        /// The Open Bandit Dataset's CSV (Saito et al., 2021).
        case obd
    }

    public var contextFields: [String]
    /// Every item the policy could choose, in a fixed order: the affinity columns' order when
    /// the file has them, otherwise the items shown, in order of first appearance.
    public var itemIDs: [String]
    public var rows: [Row]

    public init(contextFields: [String], itemIDs: [String], rows: [Row]) {
        self.contextFields = contextFields
        self.itemIDs = itemIDs
        self.rows = rows
    }

    public var slots: Int { rows.map(\.position).max() ?? 0 }

    /// How many errors a refused file reports before it stops reading.
    static let maxReportedErrors = 20

    /// Reads the Open Bandit Dataset's CSV: a leading row-index column, `timestamp`, `item_id`,
    /// `position` (1..), `click` (0 or 1), `propensity_score` (in (0, 1]), any number of
    /// `user_feature_*` columns (the context) and optionally `user-item_affinity_<item>` columns.
    /// A file with bad rows is refused whole, each bad row named by line and field.
    public static func readOBD(_ data: Data, fileName: String) throws -> BanditLogFile {
        var reader = CSVReader(data: data)
        guard let first = reader.next() else { throw DataError(file: fileName, message: "empty file; expected the Open Bandit Dataset's header line") }
        guard case .record(let header, let headerLine, _) = first else {
            if case .malformed(let line, let message, _) = first {
                throw DataError(file: fileName, line: line, field: "header", message: message)
            }
            throw DataError(file: fileName, message: "unreadable header")
        }
        var columns: [String: Int] = [:]
        for (index, name) in header.enumerated() { columns[name.trimmingCharacters(in: .whitespaces)] = index }
        let required = ["timestamp", "item_id", "position", "click", "propensity_score"]
        let missing = required.filter { columns[$0] == nil }
        guard missing.isEmpty else {
            throw DataError(
                file: fileName, line: headerLine, field: "header",
                message: "missing column\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", ")); an Open Bandit Dataset file has \(required.joined(separator: ", ")), user_feature_* and user-item_affinity_* columns")
        }
        let contextColumns = header.indices.filter { header[$0].hasPrefix("user_feature_") }
        let affinityPrefix = "user-item_affinity_"
        let affinityColumns = header.indices.filter { header[$0].hasPrefix(affinityPrefix) }
        let affinityItems = affinityColumns.map { String(header[$0].dropFirst(affinityPrefix.count)) }
        if let duplicate = Dictionary(grouping: affinityItems, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw DataError(file: fileName, line: headerLine, field: "header", message: "two columns for the affinity of item \(duplicate)")
        }
        let affinityIndex = Dictionary(uniqueKeysWithValues: affinityItems.enumerated().map { ($1, $0) })

        var rows: [Row] = []
        var errors: [DataError] = []
        var seenItems: [String] = []
        var seen: Set<String> = []
        func refuse(_ line: Int, _ field: String, _ message: String) throws {
            errors.append(DataError(file: fileName, line: line, field: field, message: message))
            if errors.count >= maxReportedErrors {
                throw ImportRefused(errors: errors, stoppedEarly: true, remedy: "fix the file and import it again")
            }
        }
        while let item = reader.next() {
            switch item {
            case .malformed(let line, let message, _):
                try refuse(line, "row", message)
            case .record(let fields, let line, _):
                guard fields.count == header.count else {
                    try refuse(line, "row", "\(fields.count) fields where the header has \(header.count)")
                    continue
                }
                func field(_ name: String) -> String { fields[columns[name]!].trimmingCharacters(in: .whitespaces) }
                var bad = false
                var timestampMs: Int64 = 0
                switch TimestampParser.parse(field("timestamp")) {
                case .success(let parsed): timestampMs = parsed.milliseconds
                case .failure(let error):
                    try refuse(line, "timestamp", error.description)
                    bad = true
                }
                let itemID = field("item_id")
                if itemID.isEmpty {
                    try refuse(line, "item_id", "empty")
                    bad = true
                } else if !affinityIndex.isEmpty, affinityIndex[itemID] == nil {
                    try refuse(line, "item_id", "'\(itemID)' has no user-item_affinity column, so it is not one of the log's items")
                    bad = true
                }
                let position = Int(field("position"))
                if position == nil || position! < 1 {
                    try refuse(line, "position", "'\(field("position"))' is not a position (1, 2, ...)")
                    bad = true
                }
                let click = field("click")
                if click != "0" && click != "1" {
                    try refuse(line, "click", "'\(click)' is not 0 or 1")
                    bad = true
                }
                let propensity = Double(field("propensity_score"))
                if propensity == nil || !(propensity! > 0 && propensity! <= 1) {
                    try refuse(
                        line, "propensity_score",
                        "'\(field("propensity_score"))' is not a probability above 0 (a logged action had a chance to be chosen)")
                    bad = true
                }
                var affinity: [Float]?
                if !affinityColumns.isEmpty {
                    var values = [Float](repeating: 0, count: affinityColumns.count)
                    for (slot, column) in affinityColumns.enumerated() {
                        let text = fields[column].trimmingCharacters(in: .whitespaces)
                        guard let value = Float(text), value.isFinite else {
                            try refuse(line, header[column], "'\(text)' is not a number")
                            bad = true
                            break
                        }
                        values[slot] = value
                    }
                    affinity = values
                }
                if bad { continue }
                if !seen.contains(itemID) {
                    seen.insert(itemID)
                    seenItems.append(itemID)
                }
                rows.append(
                    Row(
                        timestampMs: timestampMs, itemID: itemID, position: position!, reward: click == "1" ? 1 : 0,
                        propensity: propensity!, context: contextColumns.map { fields[$0].trimmingCharacters(in: .whitespaces) },
                        affinity: affinity))
            }
        }
        if !errors.isEmpty { throw ImportRefused(errors: errors, stoppedEarly: false, remedy: "fix the file and import it again") }
        guard !rows.isEmpty else { throw DataError(file: fileName, message: "no rows after the header") }
        return BanditLogFile(
            contextFields: contextColumns.map { header[$0] }, itemIDs: affinityItems.isEmpty ? seenItems : affinityItems, rows: rows)
    }
}
