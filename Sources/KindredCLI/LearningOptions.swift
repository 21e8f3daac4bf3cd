import ArgumentParser
import KindredLearning

/// Options for choosing what counts as an interaction, shared by evaluate and train.
struct LearningOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Event weights, e.g. purchase=1,return=0 (names: \(EventWeights.names.joined(separator: ", ")))", valueName: "name=value,..."))
    var weights: String?

    @Flag(inversion: .prefixedNo, help: "Count anonymous sessions as pseudo-users for popularity and co-occurrence.")
    var anonymousSessions = true

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
