import Foundation
import KindredStore
import KindredTestSupport

@testable import KindredEngine

/// The small generated shop the serving tests share: 300 people, 200 items, 20,000 events,
/// imported as `kindred demo` imports them, with a small ALS model active when asked.
enum SmallShop {
    static func engine(in directory: TemporaryDirectory, trained: Bool) throws -> Engine {
        var configuration = SampleShopGenerator.Configuration()
        configuration.users = 300
        configuration.items = 200
        configuration.events = 20_000
        _ = try SampleShopFiles.write(SampleShopGenerator(configuration: configuration).generate(), to: directory.file("shop"))
        let location = DatabaseLocation(databasePath: directory.file("shop.sqlite"), keyPath: directory.file("shop.sqlite.key"))
        let engine = try DemoUseCase.run(dataDirectory: directory.file("shop"), location: location, log: { _ in }).engine
        if trained { try train(engine) }
        return engine
    }

    static func train(_ engine: Engine, algorithm: String = "als") throws {
        var options = TrainOptions()
        options.algorithm = AlgorithmSpec(name: algorithm, parameters: algorithm == "als" ? ["factors": 16, "iterations": 5] : [:])
        options.validationDays = 0
        options.activationMargin = 1
        _ = try engine.train(options)
    }

    /// The n-th person (from 1) whose list is personalized: some withdrew consent.
    static func person(_ n: Int, in engine: Engine) throws -> String {
        var found = 0
        for number in 1...300 {
            let id = String(format: "c%05d", number)
            if try engine.recommend(RecommendationRequest(userID: id, k: 1)).personalized {
                found += 1
                if found == n { return id }
            }
        }
        throw CocoaError(.featureUnsupported)
    }
}
