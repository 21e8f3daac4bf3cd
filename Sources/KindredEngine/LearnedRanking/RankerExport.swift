import Crypto
import Foundation
import KindredLearning
import KindredStore

/// What `kindred ranker export` wrote.
public struct RankerExportReport: Sendable, Codable, Equatable {
    public var folder: String
    public var features: [String]
    public var trainQueries: Int
    public var trainRows: Int
    public var validationQueries: Int
    public var validationRows: Int
    /// SHA-256 of `train.txt` then `valid.txt`: `kindred ranker train` reports the same digest
    /// for the lists it learns from, which shows a comparison ran on the same data.
    public var sha256: String

    enum CodingKeys: String, CodingKey {
        case folder, features, trainQueries = "train_queries", trainRows = "train_rows", validationQueries = "validation_queries"
        case validationRows = "validation_rows", sha256
    }
}

/// LightGBM's text input for ranking: one row per line, `label index:value ...` (LibSVM,
/// feature indices from 0), and beside each data file a `.query` file with one group size per
/// line, which LightGBM reads by itself. Values are written in full (Swift's shortest
/// round-tripping form), so LightGBM reads exactly the numbers Kindred trains on.
enum LightGBMText {
    static func rows(_ data: RankingDataset) -> String {
        var text = ""
        text.reserveCapacity(data.rowCount * data.featureCount * 8)
        for row in 0..<data.rowCount {
            text += String(Int(data.labels[row]))
            for feature in 0..<data.featureCount {
                let value = data.value(row: row, feature: feature)
                if value != 0 { text += " \(feature):\(value)" }
            }
            text += "\n"
        }
        return text
    }

    /// One weight per line, which LightGBM reads from `<data>.weight` by itself. LightGBM scales
    /// each row's gradient by its weight; Kindred scales each pair by its more relevant row's.
    static func weights(_ data: RankingDataset) -> String {
        data.weights.map { "\($0)\n" }.joined()
    }

    static func groups(_ data: RankingDataset) -> String {
        (0..<data.groupCount).map { "\(data.group($0).count)\n" }.joined()
    }

    static func digest(train: String, validation: String) -> String {
        var hasher = SHA256()
        hasher.update(data: Data(train.utf8))
        hasher.update(data: Data(validation.utf8))
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

extension Engine {
    /// Writes the ranker's lists for LightGBM (`train.txt`, `valid.txt` and their `.query`
    /// files), the feature names (`features.txt`) and a manifest with the settings to repeat the
    /// fit with, into a new or empty folder that appears whole or not at all.
    public func exportRanker(_ options: RankerOptions, to folder: String, progress: (String) -> Void = { _ in }) throws
        -> RankerExportReport
    {
        let target = URL(fileURLWithPath: folder).standardizedFileURL
        try Self.checkExportTarget(target)
        let built = try rankerDataset(options, progress: progress)
        let train = LightGBMText.rows(built.train)
        let validation = LightGBMText.rows(built.validation)
        let report = RankerExportReport(
            folder: target.path, features: RerankerFeatures.names, trainQueries: built.train.groupCount, trainRows: built.train.rowCount,
            validationQueries: built.validation.groupCount, validationRows: built.validation.rowCount,
            sha256: LightGBMText.digest(train: train, validation: validation))
        let manifest: [String: Any] = [
            "format": "LightGBM LibSVM text with .query group files; feature indices from 0",
            "features": RerankerFeatures.names, "version": built.modelVersion, "algorithm": built.spec.name, "split": built.split,
            "cut_ms": built.cutMs, "candidates": options.candidates, "sha256": report.sha256,
            "source": built.source.rawValue,
            "label":
                built.source == .impressions
                ? "3 when the person bought the shown item from the list, 2 carted, 1 clicked, 0 nothing"
                : "1 when the person bought or carted the candidate after the cut, else 0",
            "weights":
                built.train.isWeighted || built.validation.isWeighted
                ? "train.txt.weight and valid.txt.weight: for items with an outcome, 1 / (the probability an exploring list drew the item into its place x the place's examination probability), at most \(built.propensityClip ?? 1); else 1. LightGBM scales each row's gradient by it, Kindred each pair by its more relevant row's"
                : "none: every row weighs 1",
            "lightgbm_params": [
                "objective": "lambdarank", "num_iterations": options.settings.trees, "num_leaves": options.settings.leaves,
                "learning_rate": options.settings.learningRate, "min_data_in_leaf": options.settings.minDataInLeaf,
                "min_sum_hessian_in_leaf": options.settings.minSumHessianInLeaf, "lambda_l2": options.settings.l2,
                "max_bin": options.settings.maxBins, "lambdarank_truncation_level": options.settings.truncationLevel,
                "eval_at": options.settings.evaluationDepth,
            ] as [String: Any],
            "train": ["queries": built.train.groupCount, "rows": built.train.rowCount],
            "valid": ["queries": built.validation.groupCount, "rows": built.validation.rowCount],
        ]
        let staging = target.deletingLastPathComponent().appendingPathComponent(
            ".\(target.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: staging)
        do {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
            func write(_ text: String, _ name: String) throws {
                try Data(text.utf8).write(to: staging.appendingPathComponent(name))
            }
            try write(train, "train.txt")
            try write(LightGBMText.groups(built.train), "train.txt.query")
            try write(validation, "valid.txt")
            try write(LightGBMText.groups(built.validation), "valid.txt.query")
            if built.train.isWeighted || built.validation.isWeighted {
                // Both or neither: LightGBM would otherwise weigh one file and not the other.
                for (data, name) in [(built.train, "train.txt.weight"), (built.validation, "valid.txt.weight")] {
                    try write(data.isWeighted ? LightGBMText.weights(data) : String(repeating: "1.0\n", count: data.rowCount), name)
                }
            }
            try write(RerankerFeatures.names.joined(separator: "\n") + "\n", "features.txt")
            try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                .write(to: staging.appendingPathComponent("manifest.json"))
            if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
            try FileManager.default.moveItem(at: staging, to: target)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw DataError(file: target.path, message: "cannot write the ranker's lists: \(error.localizedDescription)")
        }
        try database.writer.write { db in
            try AuditLog.append(
                action: "ranker_export", actor: actor,
                details: [
                    "folder": target.path, "train_rows": report.trainRows, "validation_rows": report.validationRows,
                    "sha256": report.sha256,
                ],
                in: db, nowMs: clock.now())
        }
        return report
    }
}
