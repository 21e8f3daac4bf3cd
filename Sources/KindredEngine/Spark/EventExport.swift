import Foundation
import KindredLearning

/// The file formats `kindred events export` writes: the two Spark reads natively without a
/// library Kindred would have to carry.
public enum EventExportFormat: String, Sendable, Codable, CaseIterable {
    case csv, jsonl

    var fileExtension: String { rawValue }
}

/// What `kindred events export` (and `kindred train --engine spark`, before its job) exports.
public struct EventExportOptions: Sendable {
    /// The folder to create; it must not exist yet or be empty, so that no earlier export is
    /// mixed into this one.
    public var folder: String
    public var format = EventExportFormat.csv
    /// Only events at or after this time (Unix milliseconds); nil exports every event.
    public var sinceMs: Int64?
    /// The weights written beside each event: those training would use.
    public var weights = EventWeights()
    public var includeAnonymousSessions = true
    /// The validation split `validation_weight` follows, as `kindred train` would carve it.
    public var validationDays = 30
    public var relevantKinds: Set<InteractionKind> = [.purchase, .addToCart]
    /// The validation split's method (nil: chosen from the data, as `kindred train` chooses)
    /// and the seed a random holdout draws with.
    public var split: SplitMethod?
    public var seed: UInt64 = 42
    /// Who asked, for the audit log.
    public var trigger = "cli"

    public init(folder: String) { self.folder = folder }
}

/// What an export wrote.
public struct EventExportReport: Sendable, Codable {
    public var folder: String
    public var format: String
    public var rows: Int
    public var partitions: Int
    public var bytes: Int
    public var seconds: Double
    public var eventsPerSecond: Double
    /// `time`, `leave-last-out`, or `none` when nobody can be evaluated.
    public var validationSplit: String
}

/// The columns of an export, in file order, as the manifest describes them to a reader.
enum EventExportSchema {
    static let columns: [(name: String, type: String, description: String)] = [
        ("person", "string", "the person's pseudonym (keyed hash), or ~session-N for an anonymous visit; never a raw id"),
        ("item", "string", "the item's id in the shop's catalog"),
        ("type", "string", "the event type (view, click, dwell, scroll, add_to_cart, ..., rating)"),
        ("value", "float64", "dwell seconds, scroll depth, stars or quantity, as the event carried it"),
        ("ts_ms", "int64", "when it happened, Unix milliseconds"),
        ("weight", "float64", "the weight Kindred's training gives it, decayed from data_to_ms when a half-life is set"),
        (
            "validation_weight", "float64",
            "its weight in the validation fit (the split kindred train would carve); 0 when the event is held out for validation"
        ),
    ]
}
