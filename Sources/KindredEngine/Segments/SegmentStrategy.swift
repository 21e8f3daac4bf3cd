import Foundation
import KindredStore

/// What serving does for a segment's members: which model serves them (the same strategies
/// experiment variants use) and which categories their lists keep to or leave out. A running
/// experiment that decides a person's response comes first; the segment's strategy applies
/// otherwise.
public struct SegmentStrategy: Sendable, Equatable, Codable {
    public var serve: String
    public var includeCategories: [String]
    public var excludeCategories: [String]
    /// Page blocks (keys) that lead members' pages, in this order; the rest follow in the
    /// person's own order. Empty: the page orders every block by the person's engagement.
    public var blocks: [String]

    public init(serve: String = "default", includeCategories: [String] = [], excludeCategories: [String] = [], blocks: [String] = []) {
        self.serve = serve
        self.includeCategories = includeCategories
        self.excludeCategories = excludeCategories
        self.blocks = blocks
    }

    enum CodingKeys: String, CodingKey {
        case serve
        case includeCategories = "include_categories"
        case excludeCategories = "exclude_categories"
        case blocks
    }

    /// Strategies stored before pages existed have no `blocks`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        serve = try container.decode(String.self, forKey: .serve)
        includeCategories = try container.decodeIfPresent([String].self, forKey: .includeCategories) ?? []
        excludeCategories = try container.decodeIfPresent([String].self, forKey: .excludeCategories) ?? []
        blocks = try container.decodeIfPresent([String].self, forKey: .blocks) ?? []
    }

    var serving: ServingStrategy { (try? ServingStrategy(parsing: serve)) ?? .default }

    /// The request as members get it: the strategy's categories where the request named none.
    func apply(to request: RecommendationRequest) -> RecommendationRequest {
        var request = request
        if request.includeCategories.isEmpty { request.includeCategories = includeCategories }
        request.excludeCategories = Array(Set(request.excludeCategories + excludeCategories)).sorted()
        return request
    }
}

/// The segments with a strategy, held in memory like the running experiments: a shop with none
/// pays nothing per request; a change from another process is seen within two seconds.
final class SegmentStrategiesCache: @unchecked Sendable {
    static let freshness: Int64 = 2_000
    typealias Entry = (pk: Int64, key: String, strategy: SegmentStrategy)

    private let lock = NSLock()
    private var held: (entries: [Entry], loadedMs: Int64)?

    func strategies(nowMs: Int64, load: () throws -> [Entry]) rethrows -> [Entry] {
        if let held = lock.withLock({ held }), nowMs >= held.loadedMs, nowMs - held.loadedMs < Self.freshness { return held.entries }
        let entries = try load()
        lock.withLock { held = (entries, nowMs) }
        return entries
    }

    func invalidate() { lock.withLock { held = nil } }
}

extension Engine {
    /// Gives a live segment a strategy (nil clears it). The model it names must be servable now.
    /// Audited.
    public func setSegmentStrategy(key: String, strategy: SegmentStrategy?) throws {
        if let strategy, case .layout = try ServingStrategy(parsing: strategy.serve) {
            throw RequestProblem(
                .invalid, code: "invalid_field", message: "a segment serves a model; its pages lead with --blocks, not a layout", field: "serve")
        }
        let now = clock.now()
        defer { strategiesCache.invalidate() }
        try database.writer.write { db in
            let known = Set(try BlockStore.all(in: db).map(\.key))
            if let unknown = strategy?.blocks.first(where: { !known.contains($0) }) {
                throw RequestProblem(
                    .notFound, code: "unknown_block", message: "no block '\(unknown.prefix(64))' (see `kindred blocks list`)", field: "blocks")
            }
            if let strategy, try servedVersion(strategy.serving, in: db) == nil, strategy.serving != .default {
                throw RequestProblem(
                    .conflict, code: "no_model", message: "no servable model for \(strategy.serve); train one beside the active model first",
                    field: "serve")
            }
            let json = try strategy.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
            guard try SegmentStore.setStrategy(key: key, strategy: json, nowMs: now, in: db) else {
                throw RequestProblem(.notFound, code: "unknown_segment", message: "no live segment '\(key)'", field: "key")
            }
            try AuditLog.append(
                action: "segment_strategy", actor: actor, details: ["key": key, "strategy": json ?? "none"], in: db, nowMs: now)
        }
    }

    /// The strategy that applies to a person (the first of their segments that has one, rule
    /// segments first), with the model version it serves; nil when none applies.
    func segmentChoice(pseudonym: String) throws -> (key: String, strategy: SegmentStrategy, version: Int64?)? {
        let entries = try strategiesCache.strategies(nowMs: clock.now()) {
            try database.writer.read { db in
                try SegmentStore.strategies(in: db).compactMap { row in
                    (try? JSONDecoder().decode(SegmentStrategy.self, from: Data(row.strategy.utf8))).map { (row.pk, row.key, $0) }
                }
            }
        }
        guard !entries.isEmpty else { return nil }
        return try database.writer.read { db in
            guard let userPK = try ServingQueries.userPK(pseudonym: pseudonym, in: db) else { return nil }
            let mine = try SegmentStore.segmentPKs(of: userPK, in: db)
            guard let entry = entries.first(where: { mine.contains($0.pk) }) else { return nil }
            return (entry.key, entry.strategy, try servedVersion(entry.strategy.serving, in: db))
        }
    }
}
