import Crypto
import Foundation
import KindredTestSupport
import Testing

@testable import KindredStore

/// Event keys are stored, and a re-import finds its duplicates by them, so the key of an event
/// must never change: this test holds `EventKeyer` to the definition it was shipped with (a
/// SHA-256 over the fields' text as `String` writes them), whatever way it comes to compute it.
@Suite struct EventKeyTests {
    /// The key as it was defined when it shipped: SHA-256 over each field's text (`String(_:)`
    /// for numbers), each after a 1 and followed by a 0, a lone 0 for a missing field.
    static func reference(_ draft: EventDraft) -> Int64 {
        var bytes: [UInt8] = []
        func append(_ text: String?) {
            if let text {
                bytes.append(1)
                bytes.append(contentsOf: text.utf8)
            }
            bytes.append(0)
        }
        for field in [
            draft.type.rawValue, draft.userPseudonym, draft.itemID, draft.sessionID, String(draft.timestampMs),
            draft.value.map { String($0) }, draft.price.map { String($0) }, draft.device?.rawValue, draft.country, draft.region,
            draft.localHour.map { String($0) }, draft.referrer, draft.experiment, draft.variant, draft.requestID,
        ] {
            append(field)
        }
        return SHA256.hash(data: bytes).prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
    }

    @Test func theKeyIsTheDigestItAlwaysWas() {
        var random = SplitMix64(seed: 2026)
        var keyer = EventKeyer()
        for n in 0..<20_000 {
            let draft = EventDraft(
                sourceEventID: nil, type: EventType.allCases.randomElement(using: &random)!,
                userPseudonym: Bool.random(using: &random) ? "user-\(n % 97)" : nil, itemID: "I\(n)",
                sessionID: n % 3 == 0 ? nil : "s\(n % 11)",
                timestampMs: Int64.random(in: 0...2_000_000_000_000, using: &random),
                value: n % 4 == 0 ? nil : Double(Int.random(in: -12...80, using: &random)) / [1, 2, 10, 100][n % 4],
                price: n % 5 == 0 ? nil : Double(Int.random(in: 1...99_999, using: &random)) / 100,
                device: Device.allCases.randomElement(using: &random),
                country: "GB", region: nil, localHour: n % 7 == 0 ? nil : n % 24, referrer: nil, experiment: nil, variant: nil,
                requestID: nil, latitude: nil, longitude: nil)
            #expect(keyer.key(for: draft) == Self.reference(draft), "event \(n)")
        }
    }

    /// Keys stored by earlier versions, which a re-import of the same rows must find again.
    @Test func keysOfKnownEventsStayAsTheyWere() {
        func draft(_ type: EventType, value: Double?, price: Double?, hour: Int?, device: Device?) -> EventDraft {
            EventDraft(
                sourceEventID: nil, type: type, userPseudonym: "p1", itemID: "85123A", sessionID: "536365",
                timestampMs: 1_291_191_960_000, value: value, price: price, device: device, country: "United Kingdom", region: nil,
                localHour: hour, referrer: nil, experiment: nil, variant: nil, requestID: nil, latitude: nil, longitude: nil)
        }
        var keyer = EventKeyer()
        #expect(keyer.key(for: draft(.purchase, value: 6, price: 2.55, hour: 8, device: nil)) == 5_622_729_098_341_981_172)
        #expect(keyer.key(for: draft(.view, value: nil, price: nil, hour: nil, device: .mobile)) == -5_180_140_541_741_760_900)
        #expect(keyer.key(for: draft(.scroll, value: 0.35, price: nil, hour: 23, device: .desktop)) == -4_338_471_401_671_407_252)
        // The same row again within one import: kept, under a key of its own.
        #expect(keyer.key(for: draft(.purchase, value: 6, price: 2.55, hour: 8, device: nil)) == 8_725_862_392_328_081_375)
        var source = EventKeyer()
        var withID = draft(.click, value: nil, price: nil, hour: nil, device: nil)
        withID.sourceEventID = "evt-1"
        #expect(source.key(for: withID) == -6_211_400_601_663_687_704)
    }
}
