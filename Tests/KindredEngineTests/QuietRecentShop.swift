import Foundation
import KindredStore
import KindredTestSupport

@testable import KindredEngine

/// The shop whose recent days hold no one to evaluate, shared by the split tests: 20 people buy
/// 4 items each (A-D or E-H), 10 days apart, in the first 40 days; the last 30 days hold only
/// views. `sameTime` gives every event one timestamp, as a log without times would.
enum QuietRecentShop {
    static func engine(in directory: TemporaryDirectory, sameTime: Bool = false) throws -> Engine {
        let name = sameTime ? "timeless" : "shop"
        let location = DatabaseLocation(databasePath: directory.file("\(name).sqlite"), keyPath: directory.file("\(name).sqlite.key"))
        let (engine, _) = try Engine.create(at: location)
        var lines = ["user_id,item_id,type,ts"]
        let day: Int64 = 86_400
        let start: Int64 = 1_790_000_000
        for user in 0..<20 {
            for step in 0..<4 {
                let item = (user % 2 == 0 ? ["A", "B", "C", "D"] : ["E", "F", "G", "H"])[(user + step) % 4]
                lines.append("u\(user),\(item),purchase,\(sameTime ? start : start + Int64(user + step * 10) * day)")
            }
            lines.append("u\(user),A,view,\(sameTime ? start : start + (60 + Int64(user)) * day)")
        }
        let file = directory.write("\(name).csv", lines.joined(separator: "\n") + "\n")
        _ = try engine.importFile(at: file, request: ImportRequest(kind: .events, fileName: file, format: .csv))
        return engine
    }
}
