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
        out.raw(",\"items\":")
        guard out.items(response.items) else { return nil }
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

/// The body of a page of blocks, written as `RecommendationJSON` writes a list (a test holds
/// it to the encoder): a page is several lists, and `JSONEncoder` cost it a twentieth of its
/// CPU (perf record under bench/serve.sh's page load).
enum PageJSON {
    /// The page's JSON, or nil when a number is not finite (the encoder then reports it).
    static func encode(_ page: PageResponse) -> [UInt8]? {
        var out = JSONBytes()
        out.bytes.reserveCapacity(256 + page.blocks.reduce(0) { $0 + 200 + $1.items.count * 160 })
        out.raw("{\"algorithm\":")
        out.string(page.algorithm)
        out.raw(",\"blocks\":[")
        for (index, block) in page.blocks.enumerated() {
            out.raw(index > 0 ? ",{\"items\":" : "{\"items\":")
            guard out.items(block.items) else { return nil }
            out.raw(",\"key\":")
            out.string(block.key)
            out.raw(",\"reason\":")
            out.string(block.reason)
            out.raw(",\"request_id\":")
            out.string(block.requestID)
            out.raw(",\"source\":")
            out.string(block.source)
            out.raw(",\"title\":")
            out.string(block.title)
            out.raw("}")
        }
        out.raw("]")
        if let experiment = page.experiment {
            out.raw(",\"experiment\":")
            out.string(experiment)
        }
        if let itemID = page.itemID {
            out.raw(",\"item_id\":")
            out.string(itemID)
        }
        if let version = page.modelVersion {
            out.raw(",\"model_version\":")
            out.raw(String(version))
        }
        out.raw(",\"order\":")
        out.string(page.order)
        out.raw(page.personalized ? ",\"personalized\":true" : ",\"personalized\":false")
        if let segment = page.segment {
            out.raw(",\"segment\":")
            out.string(segment)
        }
        out.raw(",\"surface\":")
        out.string(page.surface)
        if let variant = page.variant {
            out.raw(",\"variant\":")
            out.string(variant)
        }
        out.raw("}")
        return out.bytes
    }

    static func response(_ value: PageResponse) throws -> Response {
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

    /// A list of recommended items, keys in sorted order as the encoder sorts them; false
    /// when a number is not finite.
    mutating func items(_ items: [Recommendation]) -> Bool {
        raw("[")
        for (index, item) in items.enumerated() {
            raw(index > 0 ? ",{" : "{")
            var first = true
            func key(_ name: String) {
                raw(first ? "\"" : ",\"")
                raw(name)
                raw("\":")
                first = false
            }
            if let category = item.category {
                key("category")
                string(category)
            }
            if let explored = item.explored {
                key("explored")
                raw(explored ? "true" : "false")
            }
            key("item_id")
            string(item.itemID)
            if let price = item.price {
                guard price.isFinite else { return false }
                key("price")
                number(price.description)
            }
            if let probability = item.probability {
                guard probability.isFinite else { return false }
                key("probability")
                number(probability.description)
            }
            key("reason")
            string(item.reason)
            guard item.score.isFinite else { return false }
            key("score")
            number(item.score.description)
            if let title = item.title {
                key("title")
                string(title)
            }
            raw("}")
        }
        raw("]")
        return true
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
