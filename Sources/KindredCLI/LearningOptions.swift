import ArgumentParser
import KindredEngine
import KindredLearning

extension SplitMethod: ExpressibleByArgument {}

/// Options for choosing what counts as an interaction, shared by evaluate and train.
struct LearningOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Event weights, e.g. purchase=1,return=0 (names: \(EventWeights.names.joined(separator: ", ")))", valueName: "name=value,..."))
    var weights: String?

    @Flag(inversion: .prefixedNo, help: "Count anonymous sessions as pseudo-users for popularity and co-occurrence.")
    var anonymousSessions = true

    @Option(
        help: ArgumentHelp(
            "How validation and test data are held out: time (the last days), last (each person's latest relevant event) or random (a seeded fifth of each person's relevant items); default: the first that evaluates 30 people, in that order.",
            valueName: "time|last|random"))
    var split: SplitMethod?

    @Option(help: "Worker threads.")
    var threads = 2

    @Option(help: "Random seed.")
    var seed: UInt64 = 42

    func eventWeights() throws -> EventWeights {
        var weights = EventWeights()
        for pair in (self.weights ?? "").split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let value = Double(parts[1]), weights.set(String(parts[0]), to: value) else {
                throw ValidationError(
                    "--weights: '\(pair)' is not name=number with a known name (\(EventWeights.names.joined(separator: ", ")))")
            }
        }
        return weights
    }
}
