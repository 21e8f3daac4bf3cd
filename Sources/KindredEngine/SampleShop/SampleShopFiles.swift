import Foundation
import KindredStore

/// Writes a generated shop as the files a real shop would export: `catalog.csv`, one
/// `events-YYYY-MM.csv` per month, the last `jsonlDays` days as `events-recent.jsonl` (the
/// tracker's format), and `consents.csv`.
public enum SampleShopFiles {
    public struct Written: Sendable {
        public var files: [String]
        public var items: Int
        public var events: Int
        public var consents: Int
    }

    public static func write(_ shop: SampleShopGenerator.Shop, to directory: String, jsonlDays: Int = 2) throws -> Written {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var files: [String] = []

        var catalog = "item_id,title,category,tags,price,in_stock,brand\n"
        for item in shop.items {
            catalog +=
                [
                    item.id, item.title, item.category, item.tags.joined(separator: "|"), price(item.price), item.inStock ? "1" : "0",
                    item.brand,
                ]
                .map(csvField).joined(separator: ",") + "\n"
        }
        files.append(try save(catalog, "catalog.csv", in: directory))

        let lastMs = shop.events.last?.timestampMs ?? 0
        let jsonlFrom = (lastMs / 86_400_000 - Int64(jsonlDays) + 1) * 86_400_000
        var months: [String: String] = [:]
        var monthOrder: [String] = []
        var jsonl = ""
        let header = "user_id,item_id,type,ts,session_id,value,price,device,country,hour,referrer\n"
        var sessionsWithReferrer = Set<String>()
        for event in shop.events {
            if event.timestampMs >= jsonlFrom {
                jsonl += jsonLine(event) + "\n"
                continue
            }
            let month = String(iso(event.timestampMs).prefix(7))
            if months[month] == nil {
                months[month] = header
                monthOrder.append(month)
            }
            months[month]! +=
                [
                    event.userID, event.itemID ?? "", event.type, String(event.timestampMs / 1000), event.sessionID,
                    event.value.map(number) ?? "", event.price.map(price) ?? "", event.device, event.country,
                    String(event.hour),
                    // A referrer belongs to the request that started the visit, not to every event in it.
                    sessionsWithReferrer.insert(event.sessionID).inserted ? event.referrer : "",
                ].map(csvField).joined(separator: ",") + "\n"
        }
        for month in monthOrder { files.append(try save(months[month]!, "events-\(month).csv", in: directory)) }
        files.append(try save(jsonl, "events-recent.jsonl", in: directory))

        var consents = "user_id,purpose,granted,ts,source,policy_version\n"
        for consent in shop.consents {
            consents +=
                [
                    consent.userID, consent.purpose, consent.granted ? "granted" : "withdrawn", iso(consent.timestampMs), consent.source,
                    consent.policyVersion,
                ]
                .joined(separator: ",") + "\n"
        }
        files.append(try save(consents, "consents.csv", in: directory))
        files.append(try shop.tastes.write(to: directory))
        return Written(files: files, items: shop.items.count, events: shop.events.count, consents: shop.consents.count)
    }

    private static func save(_ text: String, _ name: String, in directory: String) throws -> String {
        let path = (directory as NSString).appendingPathComponent(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        return path
    }

    private static func jsonLine(_ event: SampleShopGenerator.Event) -> String {
        var object: [String: Any] = [
            "user_id": event.userID, "type": event.type, "ts": iso(event.timestampMs), "session_id": event.sessionID,
            "device": event.device, "country": event.country, "hour": event.hour, "referrer": event.referrer,
        ]
        if let item = event.itemID { object["item_id"] = item }
        if let value = event.value { object["value"] = value }
        if let price = event.price { object["price"] = price }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func iso(_ ms: Int64) -> String { TimestampFormatter.iso8601(milliseconds: ms) }

    private static func number(_ value: Double) -> String {
        value.rounded() == value ? String(Int(value)) : String(value)
    }

    private static func price(_ value: Double) -> String { String(format: "%.2f", value) }

    private static func csvField(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
