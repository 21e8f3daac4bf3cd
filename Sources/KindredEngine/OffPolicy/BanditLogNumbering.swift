import KindredLearning
import KindredStore

/// Numbers a bandit log's items and context values for the estimators. Items take their order
/// from the evaluated log's item list, so that a second log (the one a target policy is read
/// from) speaks of the same items by the same numbers.
struct BanditLogNumbering {
    let itemIndex: [String: Int]
    let slotCount: Int

    init(evaluated file: BanditLogFile) {
        itemIndex = Dictionary(file.itemIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        slotCount = file.slots
    }

    /// The evaluated log: context values numbered per field in order of first appearance.
    func log(_ file: BanditLogFile) -> BanditLog {
        var valueIndex: [String: Int] = [:]
        var rounds: [BanditRound] = []
        rounds.reserveCapacity(file.rows.count)
        var affinity: [Float]? = file.rows.first?.affinity == nil ? nil : []
        affinity?.reserveCapacity(file.rows.count * file.itemIDs.count)
        for row in file.rows {
            let context = row.context.enumerated().map { field, value in
                let key = "\(field)\u{1F}\(value)"
                if let index = valueIndex[key] { return index }
                valueIndex[key] = valueIndex.count
                return valueIndex.count - 1
            }
            rounds.append(
                BanditRound(
                    timestampMs: row.timestampMs, action: itemIndex[row.itemID]!, slot: row.position - 1, reward: row.reward,
                    propensity: row.propensity, context: context))
            if affinity != nil { affinity!.append(contentsOf: row.affinity ?? [Float](repeating: 0, count: file.itemIDs.count)) }
        }
        return BanditLog(
            rounds: rounds, actionCount: itemIndex.count, slotCount: slotCount, contextValueCount: valueIndex.count,
            actionAffinity: affinity)
    }

    /// Another log over the evaluated log's items and slots, for reading a policy from its
    /// propensities; rows with an item or slot the evaluated log lacks are left out and counted.
    func policySource(_ file: BanditLogFile) -> (log: BanditLog, unmatched: Int) {
        var rounds: [BanditRound] = []
        var unmatched = 0
        for row in file.rows {
            guard let action = itemIndex[row.itemID], row.position <= slotCount else {
                unmatched += 1
                continue
            }
            rounds.append(
                BanditRound(
                    timestampMs: row.timestampMs, action: action, slot: row.position - 1, reward: row.reward,
                    propensity: row.propensity, context: []))
        }
        return (BanditLog(rounds: rounds, actionCount: itemIndex.count, slotCount: slotCount, contextValueCount: 0), unmatched)
    }
}
