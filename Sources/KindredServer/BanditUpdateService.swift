import Foundation
import KindredEngine
import Logging
import ServiceLifecycle

/// Keeps the contextual bandits learning while the server runs (`Engine.updateBandits`), off the
/// request threads: every `every` it folds in the lists they displayed and the clicks, carts and
/// purchases filed since, so that an outcome moves the bandit within a second of its filing.
/// An update that finds nothing new writes nothing.
struct BanditUpdateService: Service {
    let engine: Engine
    let logger: Logger
    var every: Duration = .milliseconds(250)

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: every)
                let engine = self.engine
                switch await onOwnThread(named: "kindred-bandits", { try engine.updateBandits() }) {
                case .success(let updates):
                    for update in updates where update.started {
                        logger.info("bandit started", metadata: ["surface": "\(update.surface)", "version": "\(update.version)"])
                    }
                case .failure(let error):
                    logger.error("bandit update failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
