import KindredLearning
import KindredStore

/// The mapping between the Store's event types and Learning's interaction kinds.
public enum TrainingDataKinds {
    public static func kind(of type: EventType) -> InteractionKind {
        TrainingData.kindOfType[EventType.allCases.firstIndex(of: type)!]
    }

    /// The event type's name for a kind ("add_to_cart"), as people write it.
    public static func name(of kind: InteractionKind) -> String {
        EventType.allCases.first { self.kind(of: $0) == kind }?.rawValue ?? "\(kind)"
    }
}
