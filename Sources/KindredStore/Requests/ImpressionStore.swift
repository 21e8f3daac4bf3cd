import GRDB

/// One item of a recommendation response as it was shown.
public struct ImpressionRecord: Sendable, Equatable {
    public enum Surface: String, Sendable {
        case recommendations, similar
    }

    public var requestID: String
    public var timestampMs: Int64
    public var userPK: Int64?
    public var surface: Surface
    public var anchorItemPK: Int64?
    /// 1 for the first item of the response.
    public var position: Int
    public var itemPK: Int64
    public var score: Float
    public var modelVersion: Int64?
    public var personalized: Bool
    public var explored: Bool
    /// The probability with which the policy put this item in this position (1 when ranking
    /// is deterministic), which off-policy evaluation divides by.
    public var probability: Double
    public var reason: String?

    public init(
        requestID: String, timestampMs: Int64, userPK: Int64?, surface: Surface, anchorItemPK: Int64?, position: Int, itemPK: Int64,
        score: Float, modelVersion: Int64?, personalized: Bool, explored: Bool = false, probability: Double = 1, reason: String?
    ) {
        self.requestID = requestID
        self.timestampMs = timestampMs
        self.userPK = userPK
        self.surface = surface
        self.anchorItemPK = anchorItemPK
        self.position = position
        self.itemPK = itemPK
        self.score = score
        self.modelVersion = modelVersion
        self.personalized = personalized
        self.explored = explored
        self.probability = probability
        self.reason = reason
    }
}

/// Appends what was shown, inside the caller's transaction.
public enum ImpressionStore {
    public static func write(_ records: [ImpressionRecord], in db: Database) throws {
        guard !records.isEmpty else { return }
        let insert = try FastStatement(
            """
            INSERT INTO impressions (request_id, ts_ms, user_pk, surface, anchor_item_pk, position, item_pk, score,
                                     model_version, personalized, explored, probability, reason)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (request_id, position) DO NOTHING
            """, in: db)
        for record in records {
            _ = try insert.run { row in
                row.bind(record.requestID)
                row.bind(record.timestampMs)
                row.bind(record.userPK)
                row.bind(record.surface.rawValue)
                row.bind(record.anchorItemPK)
                row.bind(Int64(record.position))
                row.bind(record.itemPK)
                row.bind(Double(record.score))
                row.bind(record.modelVersion)
                row.bind(Int64(record.personalized ? 1 : 0))
                row.bind(Int64(record.explored ? 1 : 0))
                row.bind(record.probability)
                row.bind(record.reason)
            }
        }
    }
}
