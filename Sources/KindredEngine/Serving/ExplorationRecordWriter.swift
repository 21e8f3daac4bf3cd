import Foundation
import KindredStore

/// Writes an exploring list's record (the impressions' `exploration` JSON) straight into a
/// string: every exploring response writes one, with its pool and each pool item's features,
/// and Foundation's JSONSerialization, boxing every number, cost a measurable share of a
/// request. A test holds the output to JSONSerialization's reading of it.
struct ExplorationRecordWriter {
    private(set) var text = "{"
    private var first = true

    private mutating func key(_ name: String) {
        if !first { text += "," }
        first = false
        text += "\"" + name + "\":"
    }

    mutating func add(_ name: String, _ value: String) {
        key(name)
        JSONString.append(value, to: &text)
    }

    mutating func add(_ name: String, _ value: Int) {
        key(name)
        text += String(value)
    }

    mutating func add(_ name: String, _ value: Int64) {
        key(name)
        text += String(value)
    }

    mutating func add(_ name: String, _ value: Double) {
        key(name)
        text += Self.number(value)
    }

    mutating func add(_ name: String, strings: [String]) {
        key(name)
        text += "["
        for (index, value) in strings.enumerated() {
            if index > 0 { text += "," }
            JSONString.append(value, to: &text)
        }
        text += "]"
    }

    mutating func add(_ name: String, integers: [Int64]) {
        key(name)
        text += "[" + integers.map { String($0) }.joined(separator: ",") + "]"
    }

    mutating func add(_ name: String, facts: [BanditItemFacts]) {
        key(name)
        text += "["
        for (index, fact) in facts.enumerated() {
            if index > 0 { text += "," }
            text += "[" + Self.number(fact.popularity) + "," + String(fact.priceBand) + "," + String(fact.categoryBucket) + "]"
        }
        text += "]"
    }

    mutating func add(_ name: String, context: BanditContextRecord) {
        key(name)
        var inner = ExplorationRecordWriter()
        if let country = context.country { inner.add("country", country) }
        if let device = context.device { inner.add("device", device) }
        inner.add("hour", context.hour)
        if let region = context.region { inner.add("region", region) }
        if let segment = context.segment { inner.add("segment", segment) }
        inner.add("weekday", context.weekday)
        text += inner.finished()
    }

    func finished() -> String { text + "}" }

    /// A finite number as JSON writes it (non-finite values, which JSON cannot hold, as 0).
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
