import Foundation
import KindredLearning
import KindredStore

/// The shop's own exploring lists as a bandit log: every place a list could explore is a round
/// whose candidates are the logged pool less what the list placed before it, whose action is
/// the item shown there with its logged probability, and whose reward is a click on that item
/// carrying the list's request id. Context: the request's device and country.
struct ShopBanditLog {
    let log: BanditLog
    /// Per round: the unplaced candidates, best first, as action numbers.
    let candidates: [[Int]]
    let lists: Int
    /// Places whose logged item was not among its candidates (a log written by hand): left out.
    let skipped: Int
    /// Per round: which list it is a place of (an index into `records`), and its candidates as
    /// positions in that list's pool, best first (what a target that re-ranks the pool reads).
    let roundList: [Int]
    let remainingPool: [[Int]]
    /// Per list: its request id, who saw it, its pool and its exploration record, parsed.
    let records: [ListRecord]

    struct ListRecord {
        var requestID: String
        var userPK: Int64?
        var pool: [String]
        var exploration: String
    }

    init(_ impressions: [ExploringImpression]) throws {
        struct Parsed {
            var pool: [String]
            var placed: [(item: String, probability: Double)]
            var firstPosition: Int
            var impression: ExploringImpression
        }
        var parsed: [Parsed] = []
        var frequency: [String: Int] = [:]
        for impression in impressions {
            guard
                let exploration = try JSONSerialization.jsonObject(with: Data(impression.exploration.utf8)) as? [String: Any],
                let pool = exploration["pool"] as? [String],
                let items = try JSONSerialization.jsonObject(with: Data(impression.items.utf8)) as? [[String: Any]]
            else { continue }
            let placed = items.compactMap { item -> (String, Double)? in
                guard let id = item["item_id"] as? String, let p = (item["probability"] as? NSNumber)?.doubleValue else { return nil }
                return (id, p)
            }
            parsed.append(
                Parsed(
                    pool: pool, placed: placed, firstPosition: (exploration["first_position"] as? NSNumber)?.intValue ?? 1,
                    impression: impression))
            for item in pool { frequency[item, default: 0] += 1 }
        }
        // Actions numbered by how often they were candidates, most often first: the reward
        // model gives the first thousand a column each and lets the rest share one.
        let ordered = frequency.keys.sorted { (frequency[$0]!, $1) > (frequency[$1]!, $0) }
        let action = Dictionary(uniqueKeysWithValues: ordered.enumerated().map { ($1, $0) })
        var contextIndex: [String: Int] = [:]
        func context(_ field: String, _ value: String?) -> Int {
            let key = field + "=" + (value ?? "unknown")
            if let index = contextIndex[key] { return index }
            contextIndex[key] = contextIndex.count
            return contextIndex.count - 1
        }
        var rounds: [BanditRound] = []
        var candidates: [[Int]] = []
        var roundList: [Int] = []
        var remainingPool: [[Int]] = []
        var records: [ListRecord] = []
        var skipped = 0
        var slots = 1
        // (A record that cannot be read was left out above: each list keeps its own impression.)
        for list in parsed {
            let impression = list.impression
            let listIndex = records.count
            records.append(ListRecord(requestID: impression.requestID, userPK: impression.userPK, pool: list.pool, exploration: impression.exploration))
            let values = [context("device", impression.device), context("country", impression.country)]
            for position in max(1, list.firstPosition)...max(1, list.placed.count) where position <= list.placed.count {
                let before = Set(list.placed.prefix(position - 1).map(\.item))
                let remainingPositions = list.pool.indices.filter { !before.contains(list.pool[$0]) }
                let remaining = remainingPositions.map { action[list.pool[$0]]! }
                let shown = list.placed[position - 1]
                guard let chosen = action[shown.item], remaining.contains(chosen), shown.probability > 0, shown.probability <= 1 else {
                    skipped += 1
                    continue
                }
                slots = max(slots, position)
                rounds.append(
                    BanditRound(
                        timestampMs: impression.timestampMs, action: chosen, slot: position - 1,
                        reward: impression.clicked.contains(shown.item) ? 1 : 0, propensity: shown.probability, context: values))
                candidates.append(remaining)
                roundList.append(listIndex)
                remainingPool.append(remainingPositions)
            }
        }
        log = BanditLog(rounds: rounds, actionCount: max(1, ordered.count), slotCount: slots, contextValueCount: contextIndex.count)
        self.candidates = candidates
        lists = parsed.count
        self.skipped = skipped
        self.roundList = roundList
        self.remainingPool = remainingPool
        self.records = records
    }
}
