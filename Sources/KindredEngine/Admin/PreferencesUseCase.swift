import Foundation
import KindredStore

/// What a person may tell the shop about what they are shown.
public enum PreferenceKind: String, Sendable, CaseIterable, Codable {
    /// Never show the target again, anywhere.
    case notInterested = "not_interested"
    /// Lift items like the target in my lists.
    case moreLikeThis = "more_like_this"
    /// Do not recommend because of this kind of thing I did.
    case reasonOff = "reason_off"
}

/// What a preference is about: `item:ID`, `category:PATH`, `brand:NAME`, or (for reason_off)
/// `reason:purchases|cart|ratings|views`.
public struct PreferenceTarget: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case item, category, brand, reason
    }

    /// The reason types a person can turn off, and the interactions each stands for.
    public static let reasonTypes = ["purchases", "cart", "ratings", "views"]

    public var type: Kind
    /// Item ids as the shop spells them; categories and brands lower-cased, as matched.
    public var value: String

    /// Reads `type:value`; the error names what was expected.
    public init(parsing text: String, field: String = "target") throws(RequestProblem) {
        let parts = text.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let type = Kind(rawValue: parts[0].lowercased()), !parts[1].isEmpty else {
            throw RequestProblem(
                .invalid, code: "invalid_field",
                message: "'\(text.prefix(60))' is not item:ID, category:PATH, brand:NAME or reason:TYPE", field: field)
        }
        guard parts[1].count <= 200 else {
            throw RequestProblem(.invalid, code: "invalid_field", message: "the target is longer than 200 characters", field: field)
        }
        self.type = type
        value = type == .item ? parts[1] : parts[1].lowercased()
        if type == .reason, !Self.reasonTypes.contains(value) {
            throw RequestProblem(
                .invalid, code: "invalid_field",
                message: "unknown reason type '\(value.prefix(40))' (known: \(Self.reasonTypes.joined(separator: ", ")))", field: field)
        }
    }

    public var description: String { "\(type.rawValue):\(value)" }
}

/// The outcome of a preference change, and where the person stands after it.
public struct PreferenceChange: Sendable, Codable, Equatable {
    public var kind: PreferenceKind
    public var target: String
    /// added, removed, or unchanged (said before, or nothing to undo).
    public var outcome: String
    public var preferences: [PreferenceStore.Preference]
}

extension Engine {
    /// Records (or with `undo`, takes back) a person's preference. It applies at once to every
    /// list the person is shown: recommendations, similar items and the stream. Only the person
    /// (their token) or the shop may say it; a target must exist in the catalog, so that a
    /// typo is refused rather than stored and silently never matched.
    public func setPreference(
        userID: String, kind: PreferenceKind, target: PreferenceTarget, undo: Bool = false, caller: Caller = .owner
    ) throws -> (change: PreferenceChange, userPK: Int64) {
        try caller.requireActing(for: userID)
        if let problem = IdentifierRule.problem(userID) {
            throw RequestProblem(.invalid, code: "invalid_parameter", message: "a user id: \(problem)", field: "user_id")
        }
        guard (kind == .reasonOff) == (target.type == .reason) else {
            throw RequestProblem(
                .invalid, code: "invalid_field",
                message: kind == .reasonOff
                    ? "reason_off takes reason:TYPE (\(PreferenceTarget.reasonTypes.joined(separator: ", ")))"
                    : "\(kind.rawValue) takes item:ID, category:PATH or brand:NAME", field: "target")
        }
        let pseudonym = database.pseudonymizer.pseudonym(of: userID)
        let now = clock.now()
        return try database.writer.write { db in
            // Saying it needs a target that exists; taking it back does not.
            if !undo { try Self.checkExists(target, in: db) }
            let userPK: Int64
            let changed: Bool
            if undo {
                guard let known = try ServingQueries.userPK(pseudonym: pseudonym, in: db) else {
                    return (PreferenceChange(kind: kind, target: target.description, outcome: "unchanged", preferences: []), 0)
                }
                userPK = known
                changed = try PreferenceStore.remove(
                    userPK: userPK, kind: kind.rawValue, targetType: target.type.rawValue, target: target.value, in: db)
            } else {
                userPK = try ProfileStore.ensure(pseudonym: pseudonym, nowMs: now, in: db)
                changed = try PreferenceStore.add(
                    userPK: userPK, kind: kind.rawValue, targetType: target.type.rawValue, target: target.value, nowMs: now, in: db)
            }
            let outcome = changed ? (undo ? "removed" : "added") : "unchanged"
            return (
                PreferenceChange(
                    kind: kind, target: target.description, outcome: outcome, preferences: try PreferenceStore.of(userPK: userPK, in: db)),
                userPK
            )
        }
    }

    /// A person's standing preferences (the person themselves or the shop).
    public func preferences(userID: String, caller: Caller = .owner) throws -> [PreferenceStore.Preference] {
        try caller.requireActing(for: userID)
        let pseudonym = database.pseudonymizer.pseudonym(of: userID)
        return try database.writer.read { db in
            guard let userPK = try ServingQueries.userPK(pseudonym: pseudonym, in: db) else { return [] }
            return try PreferenceStore.of(userPK: userPK, in: db)
        }
    }

    private static func checkExists(_ target: PreferenceTarget, in db: StoreConnection) throws {
        switch target.type {
        case .item:
            guard try !CatalogItemStore.isRemoved(itemID: target.value, in: db) else {
                throw RequestProblem(.notFound, code: "unknown_item", message: "unknown item '\(target.value.prefix(80))'", field: "target")
            }
        case .category:
            guard try PreferenceStore.categoryExists(target.value, in: db) else {
                throw RequestProblem(
                    .notFound, code: "unknown_category", message: "no item is in category '\(target.value.prefix(80))'", field: "target")
            }
        case .brand:
            guard try PreferenceStore.brandExists(target.value, in: db) else {
                throw RequestProblem(
                    .notFound, code: "unknown_brand", message: "no item has brand '\(target.value.prefix(80))'", field: "target")
            }
        case .reason:
            break
        }
    }
}

extension Engine {
    /// `POST /v1/users/{id}/preferences`: `{"kind": "not_interested", "target": "item:P1",
    /// "undo": false}`, read by the same rules as the command line's flags.
    public func setPreference(userID: String, body: Data, caller: Caller = .owner) throws -> (change: PreferenceChange, userPK: Int64) {
        let object = try Self.jsonObject(body)
        let known = ["kind", "target", "undo"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw RequestProblem(
                .invalid, code: "invalid_field", message: "unknown field '\(unknown.prefix(40))' (known: \(known.joined(separator: ", ")))",
                field: unknown)
        }
        guard case .string(let kindText) = object["kind"] else {
            throw RequestProblem(.invalid, code: "missing_field", message: "kind is required (a string)", field: "kind")
        }
        guard let kind = PreferenceKind(rawValue: kindText) else {
            throw RequestProblem(
                .invalid, code: "invalid_field",
                message: "unknown kind '\(kindText.prefix(40))' (known: \(PreferenceKind.allCases.map(\.rawValue).joined(separator: ", ")))",
                field: "kind")
        }
        guard case .string(let targetText) = object["target"] else {
            throw RequestProblem(.invalid, code: "missing_field", message: "target is required (a string such as item:P1)", field: "target")
        }
        var undo = false
        switch object["undo"] {
        case nil, .null: break
        case .bool(let value): undo = value
        default: throw RequestProblem(.invalid, code: "invalid_field", message: "undo must be true or false", field: "undo")
        }
        return try setPreference(userID: userID, kind: kind, target: try PreferenceTarget(parsing: targetText), undo: undo, caller: caller)
    }
}
