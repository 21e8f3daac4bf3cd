import Foundation
import KindredLearning
import KindredStore

/// The `manifest.json` of a folder of factors: what was fitted, with which parameters, and
/// the export (data window, weights, validation split) it was fitted on. Factors fitted
/// elsewhere without a Kindred export may leave `export` out: then every event is read, with
/// the default weights, and the version is stored without validation.
struct FactorManifest {
    var algorithm: String
    var engine: String
    var parameters: [String: Double]
    var sparkVersion: String?
    var master: String?
    var fullFitSeconds: Double?
    var validationFitSeconds: Double?
    var dataMaxEventPK: Int64?
    var dataToMs: Int64?
    var weights: EventWeights?
    var includeAnonymousSessions = true
    var validationDays = 30
    var validationMethod = "none"
    var validationCutMs: Int64?
    /// The seed a random holdout drew with (42, the default, when the export does not say).
    var validationSeed: UInt64 = 42
    var relevantKinds: Set<InteractionKind> = [.purchase, .addToCart]

    static func read(_ url: URL) throws -> FactorManifest {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw DataError(file: url.path, message: "cannot read the factors' manifest (is this a folder of factors?)")
        }
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw DataError(file: url.path, message: "not a JSON object")
            }
            object = parsed
        } catch let error as DataError {
            throw error
        } catch {
            throw DataError(file: url.path, message: "not JSON")
        }
        guard object["kind"] as? String == "kindred-factors" else {
            throw DataError(file: url.path, field: "kind", message: "must be \"kindred-factors\"")
        }
        guard let algorithm = object["algorithm"] as? String, algorithm == "als" else {
            throw DataError(file: url.path, field: "algorithm", message: "Kindred imports \"als\" factors (user and item vectors)")
        }
        guard let rawParameters = object["parameters"] as? [String: Any] else {
            throw DataError(file: url.path, field: "parameters", message: "missing (factors, regularization, alpha, iterations)")
        }
        var parameters: [String: Double] = [:]
        for (key, value) in rawParameters {
            guard let number = value as? NSNumber, !JSONNumber.isBoolean(number) else {
                throw DataError(file: url.path, field: "parameters.\(key)", message: "not a number")
            }
            parameters[key] = number.doubleValue
        }
        var manifest = FactorManifest(algorithm: algorithm, engine: object["engine"] as? String ?? "external", parameters: parameters)
        manifest.sparkVersion = object["spark_version"] as? String
        manifest.master = object["master"] as? String
        let fits = object["fits"] as? [String: Any]
        manifest.fullFitSeconds = ((fits?["full"] as? [String: Any])?["fit_seconds"] as? NSNumber)?.doubleValue
        manifest.validationFitSeconds = ((fits?["validation"] as? [String: Any])?["fit_seconds"] as? NSNumber)?.doubleValue
        if let export = object["export"] as? [String: Any] {
            manifest.dataMaxEventPK = (export["data_max_event_pk"] as? NSNumber)?.int64Value
            manifest.dataToMs = (export["data_to_ms"] as? NSNumber)?.int64Value
            if let weights = export["weights"] {
                do {
                    manifest.weights = try JSONDecoder().decode(EventWeights.self, from: JSONSerialization.data(withJSONObject: weights))
                } catch {
                    throw DataError(file: url.path, field: "export.weights", message: "not the weights an export writes")
                }
            }
            manifest.includeAnonymousSessions = export["include_anonymous_sessions"] as? Bool ?? true
            if let relevant = export["relevant"] as? [String] {
                var kinds = Set<InteractionKind>()
                for name in relevant {
                    guard let type = EventType(rawValue: name) else {
                        throw DataError(file: url.path, field: "export.relevant", message: "unknown event type '\(name)'")
                    }
                    kinds.insert(TrainingDataKinds.kind(of: type))
                }
                manifest.relevantKinds = kinds
            }
            if let validation = export["validation"] as? [String: Any] {
                manifest.validationMethod = validation["method"] as? String ?? "none"
                manifest.validationDays = (validation["days"] as? NSNumber)?.intValue ?? 30
                manifest.validationCutMs = (validation["cut_ms"] as? NSNumber)?.int64Value
                manifest.validationSeed = (validation["seed"] as? NSNumber)?.uint64Value ?? 42
            }
        }
        return manifest
    }
}
