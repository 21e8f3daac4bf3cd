import Foundation
import KindredLearning
import KindredStore

/// A past experiment's results from elsewhere, one row per variant, the control first:
/// `variant,users,mean,sd` for a mean metric or `variant,users,conversions` for a proportion.
/// The same reader serves `kindred experiments analyze FILE` and `POST /v1/experiments/analyze`,
/// so both accept and refuse the same files.
public struct VariantSummaryFile: Sendable, Equatable {
    public var kind: ExperimentStatistics.MetricKind
    public var variants: [(name: String, summary: ArmSummary)]

    public static func == (lhs: VariantSummaryFile, rhs: VariantSummaryFile) -> Bool {
        lhs.kind == rhs.kind && lhs.variants.map(\.name) == rhs.variants.map(\.name)
            && lhs.variants.map(\.summary) == rhs.variants.map(\.summary)
    }

    static let meanColumns = ["variant", "users", "mean", "sd"]
    static let proportionColumns = ["variant", "users", "conversions"]

    /// Reads the file; a `DataError` names the file, the line and the field of the first fault.
    public static func parse(_ data: Data, file: String) throws -> VariantSummaryFile {
        var reader = CSVReader(data: data, maxRecordBytes: 64 << 10)
        guard let first = reader.next() else {
            throw DataError(file: file, message: "the file is empty; the first line names the columns: \(meanColumns.joined(separator: ",")) or \(proportionColumns.joined(separator: ","))")
        }
        guard case .record(let header, let headerLine, _) = first else {
            if case .malformed(let line, let message, _) = first { throw DataError(file: file, line: line, message: message) }
            fatalError("unreachable")
        }
        let columns = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let kind: ExperimentStatistics.MetricKind
        if Set(columns) == Set(meanColumns), columns.count == meanColumns.count {
            kind = .mean
        } else if Set(columns) == Set(proportionColumns), columns.count == proportionColumns.count {
            kind = .proportion
        } else {
            throw DataError(
                file: file, line: headerLine, field: "header",
                message: "the columns are \(columns.joined(separator: ",")); expected \(meanColumns.joined(separator: ",")) for a mean metric or \(proportionColumns.joined(separator: ",")) for a proportion, in any order")
        }
        let position = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($1, $0) })
        var variants: [(name: String, summary: ArmSummary)] = []
        var seen: Set<String> = []
        while let item = reader.next() {
            switch item {
            case .malformed(let line, let message, _):
                throw DataError(file: file, line: line, message: message)
            case .record(let fields, let line, _):
                guard fields.count == columns.count else {
                    throw DataError(file: file, line: line, message: "\(fields.count) fields where the header has \(columns.count)")
                }
                func text(_ column: String) -> String { fields[position[column]!].trimmingCharacters(in: .whitespaces) }
                func number(_ column: String) throws -> Double {
                    guard let value = Double(text(column)), value.isFinite, abs(value) <= 1e12 else {
                        throw DataError(
                            file: file, line: line, field: column, message: "'\(text(column).prefix(40))' is not a number between -10^12 and 10^12")
                    }
                    return value
                }
                func count(_ column: String) throws -> Double {
                    guard let value = Int(text(column)), value >= 0, value <= 1_000_000_000_000 else {
                        throw DataError(file: file, line: line, field: column, message: "'\(text(column).prefix(40))' is not a whole number from 0 to 10^12")
                    }
                    return Double(value)
                }
                let name = text("variant")
                guard !name.isEmpty, name.count <= 64 else {
                    throw DataError(file: file, line: line, field: "variant", message: "a variant has a name of 1 to 64 characters")
                }
                guard seen.insert(name).inserted else {
                    throw DataError(file: file, line: line, field: "variant", message: "'\(name)' appears twice")
                }
                let users = try count("users")
                guard users >= 2 else {
                    throw DataError(file: file, line: line, field: "users", message: "a variant needs at least 2 users to have a variance")
                }
                let summary: ArmSummary
                switch kind {
                case .proportion:
                    let conversions = try count("conversions")
                    guard conversions <= users else {
                        throw DataError(file: file, line: line, field: "conversions", message: "\(Int(conversions)) conversions among \(Int(users)) users")
                    }
                    summary = .proportion(people: users, conversions: conversions)
                default:
                    let sd = try number("sd")
                    guard sd >= 0 else { throw DataError(file: file, line: line, field: "sd", message: "a standard deviation is 0 or more") }
                    summary = .mean(people: users, mean: try number("mean"), standardDeviation: sd)
                }
                variants.append((name, summary))
            }
        }
        guard variants.count >= 2 else {
            throw DataError(file: file, message: "\(variants.count) variant\(variants.count == 1 ? "" : "s"); a control (the first row) and at least one treatment are needed")
        }
        guard variants.count <= 26 else {
            throw DataError(file: file, message: "\(variants.count) variants; at most 26 are analysed at once")
        }
        return VariantSummaryFile(kind: kind, variants: variants)
    }
}
