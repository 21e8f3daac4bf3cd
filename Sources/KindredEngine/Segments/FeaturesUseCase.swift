import Foundation
import KindredLearning
import KindredStore

/// Which features, and as of when: what `kindred features` and segmentation both parse.
public struct FeatureQuery: Sendable, Equatable {
    /// Features as they were at the start of this moment's UTC day (Unix ms): only days before
    /// it count, so nothing later leaks into what is computed. Nil: now, today included.
    public var at: Int64?
    /// Numeric columns for a matrix, in order; nil for the default segmentation set.
    public var features: [String]?

    public init(at: Int64? = nil, features: [String]? = nil) {
        self.at = at
        self.features = features
    }

    /// Parses `--at` (a timestamp as imports read them) and `--features` (comma-separated
    /// column names, or `all`); names are checked against the columns once they are known.
    public static func parse(at: String?, features: String?) throws -> FeatureQuery {
        var query = FeatureQuery()
        if let at {
            switch TimestampParser.parse(at) {
            case .success(let parsed): query.at = parsed.milliseconds
            case .failure(let error):
                throw RequestProblem(.invalid, code: "invalid_at", message: "'\(at)' is not a time: \(error)", field: "at")
            }
        }
        if let features {
            let names = features.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !names.isEmpty else {
                throw RequestProblem(.invalid, code: "invalid_features", message: "name at least one feature, or all", field: "features")
            }
            query.features = names
        }
        return query
    }
}

/// The features of everyone with analytics consent, as one matrix: what segmentation clusters
/// and what `kindred features export` writes.
public struct FeatureMatrix: Sendable {
    public var columns: [String]
    public var pseudonyms: [String]
    public var userPKs: [Int64]
    /// Raw values, row by row, NaN where a feature has no value (no feature is NaN otherwise):
    /// one flat array rather than a million small ones.
    var rawValues: [Double]
    /// One raw value, nil where the feature has no value.
    public func raw(_ row: Int, _ column: Int) -> Double? {
        let value = rawValues[row * columns.count + column]
        return value.isNaN ? nil : value
    }
    /// The values segmentation sees: missing values replaced by their column's mean, then (with
    /// `standardized`) each column scaled to mean 0 and standard deviation 1.
    public var points: PointMatrix?
    public var means: [Double]
    public var deviations: [Double]
    public var referenceMs: Int64
}

/// One person's features, as `kindred features show` prints them.
public struct PersonFeaturesReport: Sendable, Codable {
    public var pseudonym: String
    public var asOf: String
    public var pointInTime: Bool
    public var features: [String: Double?]
    public var columns: [FeatureColumn]
    public var topCategory: String?
    public var lastDevice: String?
    public var country: String?
    public var region: String?
}

extension Engine {
    /// Every consenting person's feature row as of the query's moment, ascending by profile.
    func featureRows(_ query: FeatureQuery, userPK: Int64? = nil, userPKs: [Int64]? = nil) throws -> (
        rows: [(userPK: Int64, row: PersonFeatureRow)], columns: [FeatureColumn], referenceMs: Int64
    ) {
        let now = clock.now()
        let beforeDay = query.at.map { Int64((Double($0) / PersonFeatures.dayMs).rounded(.down)) }
        let referenceMs = beforeDay.map { $0 * 86_400_000 } ?? now
        let today = now / 86_400_000
        return try database.writer.read { db in
            var categoryEvents: [String: Int] = [:]
            let sums = try FeatureStore.personSums(
                beforeDay: beforeDay, today: today, userPK: userPK, userPKs: userPKs, categoryEvents: &categoryEvents, in: db)
            // Read over everyone, the categories summed on the way are the shop's.
            let everyone = userPK == nil && userPKs == nil
            let context = FeatureContext(
                referenceMs: referenceMs, priceQuartiles: FeatureContext.quartiles(ofAscending: try FeatureStore.catalogPrices(in: db)),
                topCategories: everyone
                    ? FeatureStore.topCategories(of: categoryEvents, limit: 5)
                    : try FeatureStore.topCategories(beforeDay: beforeDay, today: today, limit: 5, in: db),
                catalogMarksSales: try FeatureStore.catalogMarksSales(in: db))
            let consent = try ConsentFilter.read(purpose: "analytics", in: db)
            var rows: [(userPK: Int64, row: PersonFeatureRow)] = []
            rows.reserveCapacity(sums.count)
            for person in sums where consent.allows(person.userPK) { rows.append((person.userPK, PersonFeatures.row(person, context: context))) }
            return (rows, PersonFeatures.columns(for: context), referenceMs)
        }
    }

    /// One person's features now or as of a moment. A person unknown, without analytics consent,
    /// or without events before the moment has none (404, naming no one).
    public func personFeatures(userID: String, query: FeatureQuery = FeatureQuery()) throws -> PersonFeaturesReport {
        let pseudonym = database.pseudonymizer.pseudonym(of: userID)
        let userPK = try database.writer.read { db in try ServingQueries.userPK(pseudonym: pseudonym, in: db) }
        let missing = RequestProblem(
            .notFound, code: "no_features",
            message: "no features for this person: unknown, without analytics consent, or without events before that day", field: "user_id")
        guard let userPK else { throw missing }
        let (rows, columns, referenceMs) = try featureRows(query, userPK: userPK)
        guard let row = rows.first?.row else { throw missing }
        var features: [String: Double?] = [:]
        for (column, value) in zip(columns, row.numbers) { features[column.name] = value }
        return PersonFeaturesReport(
            pseudonym: row.pseudonym, asOf: TimestampFormatter.iso8601(milliseconds: referenceMs), pointInTime: query.at != nil,
            features: features, columns: columns, topCategory: row.topCategory, lastDevice: row.lastDevice, country: row.country,
            region: row.region)
    }

    /// The matrix segmentation reads: the chosen numeric features of every consenting person.
    public func featureMatrix(_ query: FeatureQuery, standardized: Bool) throws -> FeatureMatrix {
        let (rows, columns, referenceMs) = try featureRows(query)
        return try Self.featureMatrix(rows: rows, columns: columns, referenceMs: referenceMs, query: query, standardized: standardized)
    }

    /// The matrix of rows already computed (a segment build reads the rows again for names).
    static func featureMatrix(
        rows: [(userPK: Int64, row: PersonFeatureRow)], columns: [FeatureColumn], referenceMs: Int64, query: FeatureQuery, standardized: Bool
    ) throws -> FeatureMatrix {
        let names = columns.map(\.name)
        let chosen: [String]
        if query.features == ["all"] {
            chosen = names
        } else {
            chosen = query.features ?? PersonFeatures.defaultSegmentationFeatures
            for name in chosen where !names.contains(name) {
                throw RequestProblem(
                    .invalid, code: "unknown_feature", message: "no feature '\(name)'; features: \(names.joined(separator: ", "))",
                    field: "features")
            }
        }
        let indices = chosen.map { names.firstIndex(of: $0)! }
        let width = indices.count
        var raw = [Double](repeating: .nan, count: rows.count * width)
        // Missing values take their column's mean over the people who have one (0 if nobody does).
        var sums = [Double](repeating: 0, count: width)
        var present = [Int](repeating: 0, count: width)
        for (rowIndex, entry) in rows.enumerated() {
            for (column, feature) in indices.enumerated() {
                guard let value = entry.row.numbers[feature] else { continue }
                raw[rowIndex * width + column] = value
                sums[column] += value
                present[column] += 1
            }
        }
        var means = (0..<width).map { present[$0] == 0 ? 0 : sums[$0] / Double(present[$0]) }
        var points: PointMatrix?
        var deviations = [Double](repeating: 1, count: width)
        if !rows.isEmpty {
            var values = raw
            for index in values.indices where values[index].isNaN { values[index] = means[index % width] }
            let filled = PointMatrix(rows: rows.count, columns: width, values: values)
            if standardized {
                let scaled = filled.standardized()
                points = scaled.matrix
                means = scaled.means
                deviations = scaled.deviations
            } else {
                points = filled
            }
        }
        return FeatureMatrix(
            columns: chosen, pseudonyms: rows.map(\.row.pseudonym), userPKs: rows.map(\.userPK), rawValues: raw, points: points,
            means: means, deviations: deviations, referenceMs: referenceMs)
    }

    /// Writes the matrix as CSV (pseudonym, then the named columns), atomically; returns what it
    /// wrote. Raw values leave missing ones empty; standardized values are what segmentation sees.
    public func exportFeatures(_ query: FeatureQuery, standardized: Bool, to path: String) throws -> (rows: Int, columns: [String]) {
        let matrix = try featureMatrix(query, standardized: standardized)
        var text = "pseudonym," + matrix.columns.map(CSVField.quote).joined(separator: ",") + "\n"
        for (index, pseudonym) in matrix.pseudonyms.enumerated() {
            let cells: [String] =
                standardized
                ? (0..<matrix.columns.count).map { String(matrix.points![index, $0]) }
                : (0..<matrix.columns.count).map { matrix.raw(index, $0).map { String($0) } ?? "" }
            text += pseudonym + "," + cells.joined(separator: ",") + "\n"
        }
        let url = URL(fileURLWithPath: path)
        do {
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw DataError(file: path, message: "cannot write the features: \(error.localizedDescription)")
        }
        return (matrix.pseudonyms.count, matrix.columns)
    }

    /// Recomputes the feature store's daily sums from the events stored now. Audited.
    public func rebuildFeatures() throws -> Int {
        try database.writer.write { db in
            let rows = try FeatureStore.rebuild(in: db)
            try AuditLog.append(action: "features_rebuild", actor: actor, details: ["person_days": rows], in: db, nowMs: clock.now())
            return rows
        }
    }
}

/// CSV quoting for header names (category names may hold commas or quotes).
enum CSVField {
    static func quote(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
