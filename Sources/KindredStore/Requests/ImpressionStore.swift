import Foundation
import GRDB

/// One recommendation response as it was shown: which items, in which order, from which
/// model, for whom.
public struct ImpressionRecord: Sendable, Equatable {
    public enum Surface: String, Sendable {
        case recommendations, similar
    }

    /// One item of the response.
    public struct Shown: Sendable, Equatable {
        public var itemID: String
        public var score: Float
        /// An exploration pick rather than the model's own choice.
        public var explored: Bool
        /// The probability with which the policy put this item in this position (1 when
        /// ranking is deterministic), which off-policy evaluation divides by.
        public var probability: Double
        public var reason: String?

        public init(itemID: String, score: Float, explored: Bool = false, probability: Double = 1, reason: String?) {
            self.itemID = itemID
            self.score = score
            self.explored = explored
            self.probability = probability
            self.reason = reason
        }
    }

    public var requestID: String
    public var timestampMs: Int64
    /// Nil for anonymous visitors and for people who may not be processed for analytics.
    public var userPK: Int64?
    public var surface: Surface
    public var anchorItemID: String?
    public var modelVersion: Int64?
    public var personalized: Bool
    /// In the order shown: position 1 first.
    public var items: [Shown]
    /// The experiment whose variant's strategy produced this response, if one did: writing
    /// the impression records the person's first exposure to it.
    public var exposure: Exposure?
    /// The device class and country the request was made from, when it said: KPIs by device
    /// and country count the responses as they count the events that follow them.
    public var device: String?
    public var country: String?
    /// The page block this response filled (nil for a plain list).
    public var block: String?
    /// How the list explored, as JSON (the `impressions.exploration` column); nil when it did not.
    public var exploration: String?

    public struct Exposure: Sendable, Equatable {
        public var experimentPK: Int64
        public var experiment: String
        public var variant: String

        public init(experimentPK: Int64, experiment: String, variant: String) {
            self.experimentPK = experimentPK
            self.experiment = experiment
            self.variant = variant
        }
    }

    public init(
        requestID: String, timestampMs: Int64, userPK: Int64?, surface: Surface, anchorItemID: String?, modelVersion: Int64?,
        personalized: Bool, items: [Shown], exposure: Exposure? = nil
    ) {
        self.exposure = exposure
        self.requestID = requestID
        self.timestampMs = timestampMs
        self.userPK = userPK
        self.surface = surface
        self.anchorItemID = anchorItemID
        self.modelVersion = modelVersion
        self.personalized = personalized
        self.items = items
    }

    /// The `items` column: a JSON array, written by hand (this runs for every response).
    var itemsJSON: String {
        var json = "["
        for (index, item) in items.enumerated() {
            if index > 0 { json += "," }
            json += "{\"item_id\":"
            JSONString.append(item.itemID, to: &json)
            json +=
                ",\"score\":\(item.score.isFinite ? "\(item.score)" : "0"),\"explored\":\(item.explored ? 1 : 0),\"probability\":\(item.probability)"
            if let reason = item.reason {
                json += ",\"reason\":"
                JSONString.append(reason, to: &json)
            }
            json += "}"
        }
        return json + "]"
    }
}

/// Appends what was shown, inside the caller's transaction: one row per response.
public enum ImpressionStore {
    /// Inserts the responses (a request id logged before is kept as it was), records first
    /// exposures to experiments, and adds the new responses to the KPI rollups.
    /// `identities` is the server writer's cache, where the KPI fold keeps item categories
    /// between batches; callers without one pass nothing.
    public static func write(_ records: [ImpressionRecord], identities: IdentityCache? = nil, in db: Database) throws {
        guard !records.isEmpty else { return }
        let fold = try ImpressionFold(in: db, identities: identities)
        let insert = try FastStatement(
            """
            INSERT INTO impressions (request_id, ts_ms, user_pk, surface, anchor_item_id, model_version, personalized, items, experiment, variant,
                                     device, country, block, exploration)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (request_id) DO NOTHING
            """, in: db)
        // The first exposure only; the variant is the one serving computed, which is the sticky
        // assignment when there is one. A person erased since the request is not brought back.
        let expose = try FastStatement(
            """
            INSERT INTO assignments (experiment_pk, user_pk, variant, assigned_ms, exposed_ms, exposure_request_id)
            SELECT ?1, ?2, ?3, ?4, ?4, ?5 WHERE EXISTS (SELECT 1 FROM users WHERE user_pk = ?2)
            ON CONFLICT (experiment_pk, user_pk) DO UPDATE SET exposed_ms = excluded.exposed_ms,
                exposure_request_id = excluded.exposure_request_id
            WHERE assignments.exposed_ms IS NULL
            """, in: db)
        for record in records {
            let inserted = try insert.run { row in
                row.bind(record.requestID)
                row.bind(record.timestampMs)
                row.bind(record.userPK)
                row.bind(record.surface.rawValue)
                row.bind(record.anchorItemID)
                row.bind(record.modelVersion)
                row.bind(Int64(record.personalized ? 1 : 0))
                row.bind(record.itemsJSON)
                row.bind(record.exposure?.experiment)
                row.bind(record.exposure?.variant)
                row.bind(record.device)
                row.bind(record.country)
                row.bind(record.block)
                row.bind(record.exploration)
            }
            // A request id logged before is not counted again (the insert did nothing).
            if inserted > 0 { try fold.add(record) }
            if let exposure = record.exposure, let userPK = record.userPK {
                _ = try expose.run { row in
                    row.bind(exposure.experimentPK)
                    row.bind(userPK)
                    row.bind(exposure.variant)
                    row.bind(record.timestampMs)
                    row.bind(record.requestID)
                }
            }
        }
        try fold.write()
    }
}

/// JSON string literals without Foundation's encoder.
public enum JSONString {
    public static func append(_ text: String, to json: inout String) {
        json += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": json += "\\\""
            case "\\": json += "\\\\"
            case "\n": json += "\\n"
            case "\r": json += "\\r"
            case "\t": json += "\\t"
            case _ where scalar.value < 0x20:
                json += String(format: "\\u%04x", scalar.value)
            default:
                json.unicodeScalars.append(scalar)
            }
        }
        json += "\""
    }
}

/// A logged list that explored, with what followed it: the ground for evaluating other
/// policies on the shop's own traffic.
public struct ExploringImpression: Sendable, Equatable {
    public var requestID: String
    public var timestampMs: Int64
    /// The person it was shown to, when known and counted.
    public var userPK: Int64?
    public var device: String?
    public var country: String?
    /// The `items` JSON as logged.
    public var items: String
    /// The `exploration` JSON as logged.
    public var exploration: String
    /// Items of the list clicked by an event that carries the request id.
    public var clicked: Set<String>
}

public enum ExploringImpressions {
    /// Every impression of `surface` that explored, oldest first.
    public static func all(surface: String, in db: Database) throws -> [ExploringImpression] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT i.request_id, i.ts_ms, i.user_pk, i.device, i.country, i.items, i.exploration,
                       (SELECT json_group_array(it.item_id) FROM events AS e JOIN items AS it USING (item_pk)
                        WHERE e.request_id = i.request_id AND e.type = 'click') AS clicked
                FROM impressions AS i WHERE i.exploration IS NOT NULL AND i.surface = ? ORDER BY i.impression_pk
                """, arguments: [surface]
        ).map { row in
            let clicked: String = row["clicked"]
            return ExploringImpression(
                requestID: row["request_id"], timestampMs: row["ts_ms"], userPK: row["user_pk"], device: row["device"], country: row["country"],
                items: row["items"], exploration: row["exploration"],
                clicked: Set((try? JSONSerialization.jsonObject(with: Data(clicked.utf8)) as? [String]) ?? []))
        }
    }
}
