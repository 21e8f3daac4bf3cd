import Crypto
import Foundation
import KindredTestSupport
import Testing

@testable import KindredStore

/// Event keys are stored, and a re-import finds its duplicates by them, so the key of an event
/// must never change: these tests hold `EventKeyer` to the definition it was shipped with (a
/// SHA-256 over the fields' text as `String` writes them) and `DecimalText` to `String` itself.
@Suite struct EventKeyTests {

    static func text(_ value: Double) -> String {
        var buffer: [UInt8] = []
        DecimalText.append(value, to: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    static func text(_ value: Int64) -> String {
        var buffer: [UInt8] = []
        DecimalText.append(value, to: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    @Test func doublesAreWrittenAsStringWritesThem() {
        let edges: [Double] = [
            0, -0.0, 0.001, -0.001, 0.000_999_9, 0.0001, 1e-7, 0.05, 0.1, 0.3, 1.1, 2.55, 12.3456, 99_999_999.9999, 999_999_999.9999,
            999_999_999, 1e9, 1e9 - 0.5, 1e15, 1e16, 123.45678, 1.0 / 3.0, .pi, -2.5, 6, -6, .nan, .infinity, -.infinity,
            .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1 + 0.2,
        ]
        for value in edges { #expect(Self.text(value) == String(value), "\(value)") }
        var random = SplitMix64(seed: 42)
        for _ in 0..<200_000 {
            let places = Int.random(in: 0...6, using: &random)
            let whole = Double(Int64.random(in: -2_000_000_000...2_000_000_000, using: &random))
            let scale = pow(10, Double(Int.random(in: 0...9, using: &random)))
            let price = whole / scale
            let rounded = (price * pow(10, Double(places))).rounded() / pow(10, Double(places))
            let bits = Double(bitPattern: random.next())
            for value in [price, rounded, bits] {
                #expect(Self.text(value) == String(value), "\(value)")
            }
        }
    }

    @Test func integersAreWrittenAsStringWritesThem() {
        var random = SplitMix64(seed: 7)
        let values: [Int64] =
            [0, 1, -1, 9, 10, -10, 99, 100, .max, .min, 1_793_527_200_000] + (0..<10_000).map { _ in Int64(bitPattern: random.next()) }
        for value in values { #expect(Self.text(value) == String(value)) }
    }

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
}
