import ArgumentParser
import KindredEngine
import KindredLearning
import KindredStore

/// `--relevant type,...` as train, evaluate and events export take it: the event types that
/// make an item relevant in a validation or test period.
enum RelevantEvents {
    /// Refuses an unknown type, naming it.
    static func validate(_ text: String) throws {
        for name in text.split(separator: ",") where EventType(rawValue: String(name)) == nil {
            throw ValidationError("--relevant: unknown event type '\(name)'")
        }
    }

    static func kinds(_ text: String) -> Set<InteractionKind> {
        Set(text.split(separator: ",").compactMap { EventType(rawValue: String($0)) }.map(TrainingDataKinds.kind(of:)))
    }
}
