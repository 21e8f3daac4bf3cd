import KindredLearning
import KindredStore

/// The mapping between the Store's event types and Learning's interaction kinds.
public enum TrainingDataKinds {
    public static func kind(of type: EventType) -> InteractionKind {
        TrainingData.kindOfType[EventType.allCases.firstIndex(of: type)!]
    }
}
