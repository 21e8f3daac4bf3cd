import KindredStore

/// Events built by hand for the writer's tests: views with their own source ids, spread over
/// a few people and items, a millisecond apart.
public enum TestEvents {
    public static func views(
        _ prefix: String, count: Int, people: Int, items: Int, pseudonymizer: Pseudonymizer,
        startMs: Int64 = 1_793_527_200_000
    ) -> [EventDraft] {
        (0..<count).map { n in
            EventDraft(
                type: .view, timestampMs: startMs + Int64(n), userPseudonym: pseudonymizer.pseudonym(of: "person-\(n % people)"),
                itemID: "I\(n % items)", sourceEventID: "\(prefix)-\(n)", device: .mobile, country: "GB")
        }
    }
}
