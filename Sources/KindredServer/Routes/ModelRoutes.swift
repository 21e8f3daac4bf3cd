import Hummingbird
import KindredEngine
import KindredStore

/// `GET /v1/models`, `POST /v1/models/train`, `POST /v1/models/{version}/activate`.
struct ModelRoutes {
    let engine: Engine
    let lane: TrainingLane
    let configuration: ServerConfiguration

    struct Models: Codable {
        var servingVersion: Int64?
        var models: [ModelVersionRecord]
    }

    func add(to group: RouterGroup<KindredRequestContext>) {
        group.get("models") { _, _ -> Response in
            try JSONResponse.make(Models(servingVersion: engine.servingVersion, models: try engine.models()))
        }

        group.post("models/train") { _, context -> Response in
            let outcome: RetrainOutcome
            let engine = engine.acting(as: context.actor)
            do {
                outcome = try await lane.run { [configuration] in engine.retrainNow(threads: configuration.trainThreads) }
            } catch is TrainingLane.Busy {
                throw APIError(.conflict, code: "training_in_progress", message: "a training run is going; try again when it is done")
            }
            switch outcome {
            case .trained(let report):
                return try JSONResponse.make(report)
            case .skipped(let reason):
                throw APIError(.conflict, code: "nothing_to_train", message: reason)
            case .failed(let message, let becauseOfData):
                if becauseOfData { throw APIError(.conflict, code: "cannot_train", message: message) }
                throw APIError(.internalServerError, code: "training_failed", message: message)
            }
        }

        group.post("models/{version}/activate") { request, context -> Response in
            guard let text = context.parameters.get("version"), let version = Int64(text), version > 0 else {
                throw APIError(.badRequest, code: "invalid_parameter", message: "a model version is a positive number", field: "version")
            }
            let force: Bool
            switch try QueryReader(request.uri.queryParameters).text("force", maxLength: 5) {
            case nil, "false": force = false
            case "true": force = true
            default: throw APIError(.badRequest, code: "invalid_parameter", message: "force is true or false", field: "force")
            }
            let record: ModelVersionRecord
            do {
                record = try engine.acting(as: context.actor).activate(version: version, force: force)
            } catch let error as DataError {
                let missing = error.message.hasPrefix("no model version")
                throw APIError(
                    missing ? .notFound : .conflict, code: missing ? "unknown_model" : "model_unusable", message: error.message,
                    field: "version")
            }
            try engine.warmServingModel()
            return try JSONResponse.make(record)
        }
    }
}
