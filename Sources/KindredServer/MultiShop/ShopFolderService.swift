import Foundation
import Logging
import ServiceLifecycle

/// Runs each shop's services (event writer, scheduler, ...) in a service group of its own, and
/// looks into the folder every `scanEvery` for shops added since. A shop whose services fail is
/// marked unavailable; the others go on. On shutdown every shop's group stops as a server of
/// one shop does: requests answered first, then every accepted event written.
struct ShopFolderService: Service {
    let folder: ShopFolder
    /// The shops the first scan opened (before the server took requests).
    let initial: ShopFolder.ScanResult
    let scanEvery: Duration
    let logger: Logger

    func run() async throws {
        // Scans run in a task of their own and hand what they found to this loop, which alone
        // adds tasks to the group.
        let (scans, found) = AsyncStream.makeStream(of: ShopFolder.ScanResult.self)
        await withDiscardingTaskGroup { group in
            group.addTask { [folder, scanEvery] in
                try? await cancelWhenGracefulShutdown {
                    while !Task.isCancelled {
                        try await Task.sleep(for: scanEvery)
                        found.yield(folder.scan())
                    }
                }
                found.finish()
            }
            found.yield(initial)
            for await scan in scans {
                for shop in scan.opened {
                    let services = ServiceGroup(services: shop.server.services, logger: logger)
                    folder.register(services, for: shop.name)
                    group.addTask { [folder, logger] in
                        do {
                            try await services.run()
                        } catch {
                            logger.error("shop \(shop.name) stopped: \(error)")
                            folder.markFailed(shop.name, reason: "its services stopped: \(error)")
                        }
                    }
                }
                // Stopped as at shutdown: the events it accepted are written first.
                for shop in scan.removed { await shop.services.triggerGracefulShutdown() }
            }
        }
    }
}
