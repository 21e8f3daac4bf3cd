import Foundation
import KindredStore

/// The changes `kindred blocks add|set` may make to a block; nil leaves a setting as it is.
public struct BlockChange: Sendable {
    public var surface: String?
    public var source: String?
    public var title: String?
    public var size: Int?
    public var position: Int?
    /// An empty string clears the rule.
    public var category: String?
    public var enabled: Bool?

    public init() {}
}

extension Engine {
    public static let blockSources = [
        "for_you", "because_you_viewed", "continue", "trending_in_segment", "new_arrivals", "back_in_stock", "bought_together", "similar",
    ]
    static let productOnlySources: Set<String> = ["bought_together", "similar"]

    /// Every block, by surface and default position.
    public func blocks() throws -> [BlockStore.Block] {
        try database.writer.read { db in try BlockStore.all(in: db) }
    }

    /// Adds a shop's own block (a source, a title, a size, a category rule). Audited.
    public func addBlock(key: String, change: BlockChange) throws -> BlockStore.Block {
        guard !key.isEmpty, key.count <= 64, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw RequestProblem(.invalid, code: "invalid_field", message: "a block key is 1-64 letters, digits, - and _", field: "key")
        }
        guard let source = change.source else {
            throw RequestProblem(
                .invalid, code: "missing_field", message: "a new block needs a source (\(Self.blockSources.joined(separator: ", ")))",
                field: "source")
        }
        let now = clock.now()
        return try database.writer.write { db in
            let surface = change.surface ?? (Self.productOnlySources.contains(source) ? "product" : "home")
            let last = try BlockStore.all(in: db).filter { $0.surface == surface }.map(\.position).max() ?? 0
            let block = try Self.checked(
                BlockStore.Block(
                    key: key, surface: surface, source: source, title: change.title ?? key, size: change.size ?? 8,
                    position: change.position ?? last + 1, category: change.category.flatMap { $0.isEmpty ? nil : $0.lowercased() },
                    enabled: change.enabled ?? true))
            try Self.checkCategory(block, in: db)
            guard try BlockStore.add(block, nowMs: now, in: db) else {
                throw RequestProblem(.conflict, code: "duplicate_key", message: "a block '\(key)' exists; change it with `kindred blocks set`", field: "key")
            }
            try AuditLog.append(action: "block_add", actor: actor, details: ["key": key, "source": source, "surface": surface], in: db, nowMs: now)
            return block
        }
    }

    /// Changes a block's title, size, position, category rule, source or whether it shows. Audited.
    public func setBlock(key: String, change: BlockChange) throws -> BlockStore.Block {
        let now = clock.now()
        return try database.writer.write { db in
            guard var block = try BlockStore.find(key: key, in: db) else {
                throw RequestProblem(.notFound, code: "unknown_block", message: "no block '\(key.prefix(64))' (see `kindred blocks list`)", field: "key")
            }
            if let surface = change.surface, surface != block.surface {
                throw RequestProblem(.invalid, code: "invalid_field", message: "a block keeps its surface; add a new one instead", field: "surface")
            }
            if let source = change.source { block.source = source }
            if let title = change.title { block.title = title }
            if let size = change.size { block.size = size }
            if let position = change.position { block.position = position }
            if let category = change.category { block.category = category.isEmpty ? nil : category.lowercased() }
            if let enabled = change.enabled { block.enabled = enabled }
            block = try Self.checked(block)
            try Self.checkCategory(block, in: db)
            try BlockStore.update(block, nowMs: now, in: db)
            try AuditLog.append(action: "block_set", actor: actor, details: ["key": key], in: db, nowMs: now)
            return block
        }
    }

    /// A category rule must match some item, so that a typo does not leave a block empty for good.
    private static func checkCategory(_ block: BlockStore.Block, in db: StoreConnection) throws {
        guard let category = block.category, try !PreferenceStore.categoryExists(category, in: db) else { return }
        throw RequestProblem(.notFound, code: "unknown_category", message: "no item is in category '\(category.prefix(80))'", field: "category")
    }

    private static func checked(_ block: BlockStore.Block) throws(RequestProblem) -> BlockStore.Block {
        guard ["home", "product"].contains(block.surface) else {
            throw RequestProblem(.invalid, code: "invalid_field", message: "unknown surface '\(block.surface)' (known: home, product)", field: "surface")
        }
        guard blockSources.contains(block.source) else {
            throw RequestProblem(
                .invalid, code: "invalid_field",
                message: "unknown source '\(block.source.prefix(40))' (known: \(blockSources.joined(separator: ", ")))", field: "source")
        }
        if productOnlySources.contains(block.source), block.surface != "product" {
            throw RequestProblem(.invalid, code: "invalid_field", message: "\(block.source) needs a product page's item: surface product", field: "source")
        }
        guard (1...50).contains(block.size) else {
            throw RequestProblem(.invalid, code: "invalid_field", message: "a block's size is 1 to 50 items, not \(block.size)", field: "size")
        }
        guard (1...120).contains(block.title.count) else {
            throw RequestProblem(.invalid, code: "invalid_field", message: "a block's title is 1 to 120 characters", field: "title")
        }
        return block
    }
}
