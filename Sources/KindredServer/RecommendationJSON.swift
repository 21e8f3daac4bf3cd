import Hummingbird
import KindredEngine

/// The body of a recommendation response, written byte by byte. `JSONEncoder` with snake-case
/// keys and sorted output spent a tenth of a served request's CPU (perf record during
/// bench/serve.sh); this writes the same bytes (a test holds it to the encoder on awkward
/// strings and numbers) in a small share of that.
enum RecommendationJSON {
    /// The response's JSON, or nil when a number is not finite (the encoder then reports it).
    static func encode(_ response: RecommendationResponse) -> [UInt8]? {
        var out = JSONBytes()
        out.bytes.reserveCapacity(160 + response.items.count * 160)
        out.raw("{\"algorithm\":")
        out.string(response.algorithm)
        if let experiment = response.experiment {
            out.raw(",\"experiment\":")
            out.string(experiment)
        }
        out.raw(",\"items\":[")
        for (index, item) in response.items.enumerated() {
            if index > 0 { out.raw(",") }
            out.raw("{")
            var first = true
            func key(_ name: String) {
                out.raw(first ? "\"" : ",\"")
                out.raw(name)
                out.raw("\":")
                first = false
            }
            if let category = item.category {
                key("category")
                out.string(category)
            }
            key("item_id")
            out.string(item.itemID)
            if let price = item.price {
                guard price.isFinite else { return nil }
                key("price")
                out.number(price.description)
            }
            key("reason")
            out.string(item.reason)
            guard item.score.isFinite else { return nil }
            key("score")
            out.number(item.score.description)
            if let title = item.title {
                key("title")
                out.string(title)
            }
            out.raw("}")
        }
        out.raw("]")
        if let version = response.modelVersion {
            out.raw(",\"model_version\":")
            out.raw(String(version))
        }
        out.raw(response.personalized ? ",\"personalized\":true" : ",\"personalized\":false")
        if let requestID = response.requestID {
            out.raw(",\"request_id\":")
            out.string(requestID)
        }
        if let segment = response.segment {
            out.raw(",\"segment\":")
            out.string(segment)
        }
        if let variant = response.variant {
            out.raw(",\"variant\":")
            out.string(variant)
        }
        out.raw("}")
        return out.bytes
    }

    static func response(_ value: RecommendationResponse) throws -> Response {
        guard let bytes = encode(value) else { return try JSONResponse.make(value) }
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// JSON text as `JSONEncoder` writes it: strings escaped the same way (short escapes for
/// quote, backslash, \b \f \n \r \t; \u00xx for other control characters; nothing else),
/// numbers in Swift's shortest form without a trailing ".0".
struct JSONBytes {
    var bytes: [UInt8] = []

    mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    mutating func number(_ description: String) {
        let utf8 = description.utf8
        if utf8.count > 2, description.hasSuffix(".0") {
            bytes.append(contentsOf: utf8.dropLast(2))
        } else {
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x08: bytes.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
