import Crypto

/// Computes `events.event_key`: a 64-bit digest that makes imports idempotent. An event with a
/// source id is keyed by that id; otherwise by its content and its occurrence number among
/// identical rows of the same import, so that re-importing a file (or an overlapping export)
/// stores nothing twice while rows that genuinely repeat within a file are all kept.
///
/// The key is unique together with the event's millisecond timestamp, so two different events
/// collide only if they share the millisecond and the 64-bit digest: with n events in one
/// millisecond, probability about n^2 / 2^65.
struct EventKeyer {
    private var occurrences: [Int64: Int32] = [:]
    private var buffer: [UInt8] = []

    mutating func key(for draft: EventDraft) -> Int64 {
        buffer.removeAll(keepingCapacity: true)
        if let sourceID = draft.sourceEventID {
            append("id")
            append(sourceID)
            return digest()
        }
        append(draft.type.rawValue)
        append(draft.userPseudonym)
        append(draft.itemID)
        append(draft.sessionID)
        append(String(draft.timestampMs))
        append(draft.value.map { String($0) })
        append(draft.price.map { String($0) })
        append(draft.device?.rawValue)
        append(draft.country)
        append(draft.region)
        append(draft.localHour.map { String($0) })
        append(draft.referrer)
        append(draft.experiment)
        append(draft.variant)
        append(draft.requestID)
        let content = digest()
        let seen = occurrences[content, default: 0]
        occurrences[content] = seen + 1
        return seen == 0 ? content : Self.mix(content, Int64(seen))
    }

    private mutating func append(_ text: String?) {
        if let text {
            buffer.append(1)
            buffer.append(contentsOf: text.utf8)
        }
        buffer.append(0)
    }

    private func digest() -> Int64 {
        let hash = SHA256.hash(data: buffer)
        var value: UInt64 = 0
        for byte in hash.prefix(8) { value = value << 8 | UInt64(byte) }
        return Int64(bitPattern: value)
    }

    /// SplitMix64's finalizer over the content digest and the occurrence number.
    static func mix(_ content: Int64, _ occurrence: Int64) -> Int64 {
        var z = UInt64(bitPattern: content) &+ UInt64(bitPattern: occurrence) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int64(bitPattern: z ^ (z >> 31))
    }
}
