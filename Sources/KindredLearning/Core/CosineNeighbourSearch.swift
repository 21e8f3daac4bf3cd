import Foundation

/// Exact top-K cosine neighbours of unit-length, non-negative sparse vectors (content TF-IDF),
/// without walking the long posting lists of common terms for every item.
///
/// `NeighbourSearch.allPairs` accumulates every term an item has; its work is the sum of the
/// squared posting lengths, and a catalog of 500,000 items with terms in up to a fifth of it
/// makes that over a hundred billion updates. Two things cut it here, and neither changes a
/// single score:
/// - Items with identical vectors (the same words, category and tags: variants of one product,
///   templated titles) are searched once, as one group that counts as many items.
/// - Each group's terms are walked rarest first. Before a term is walked, a bound caps what any
///   group not met yet could still score from the terms left: the smaller of the sum of
///   (weight x the term's largest weight anywhere) and the length of the rest of the vector
///   (Cauchy-Schwarz: the other vector has length 1). Once K + 1 items met so far already score
///   more than that on the terms walked, nothing else can enter the top K, and the common
///   terms need not be walked: the walk stops there if scoring the groups met costs less than
///   walking on. A histogram of the partial scores, kept as they grow, gives that K + 1-th
///   score (from below) without sorting anything.
///
/// The groups met that could still reach the list are then scored exactly, adding the
/// products in the order `allPairs` adds them, so every list is the same, score for score and
/// tie for tie, as the exhaustive search's. Memory is items x K plus a few per-group scratch
/// arrays per worker.
enum CosineNeighbourSearch {
    /// Slack between the bound and the partial scores before the search stops meeting new
    /// items: it covers float rounding in the partial sums, so rounding never drops a neighbour.
    static let relativeMargin: Float = 1e-4
    static let absoluteMargin: Float = 1e-6
    /// Partial scores (0...1) are counted in this many bins to find the K + 1-th from below.
    static let bins = 1024

    static func topK(vectors: SparseMatrix, k: Int, threads: Int) -> [[ScoredItem]] {
        search(vectors: vectors, k: k, threads: threads).lists
    }

    /// The lists, and how many posting entries were walked (the exhaustive search walks the
    /// square of every term's posting length): what tests and benchmarks read the pruning by.
    static func search(vectors: SparseMatrix, k: Int, threads: Int) -> (lists: [[ScoredItem]], walked: Int) {
        let items = vectors.rows
        guard k > 0, items > 0 else { return ([[ScoredItem]](repeating: [], count: items), 0) }
        let groups = IdenticalRows(vectors)
        let byTerm = groups.rows.transposed()
        let largestWeight = (0..<byTerm.rows).map { term in
            byTerm.values[byTerm.rowStarts[term]..<byTerm.rowStarts[term + 1]].max() ?? 0
        }
        let workers = max(1, threads)
        // Per group, its best K + 1 items, members of the group itself included: each member's
        // list is that one without the member. Groups partition the items, so each worker
        // writes only its own groups' members.
        var lists = [[ScoredItem]](repeating: [], count: items)
        var walkedPerWorker = [Int](repeating: 0, count: workers)
        lists.withUnsafeMutableBufferPointer { output in
            walkedPerWorker.withUnsafeMutableBufferPointer { walkedOutput in
                let out = SharedPointer(output.baseAddress!)
                let walked = SharedPointer(walkedOutput.baseAddress!)
                Parallel.run(workers: workers) { worker in
                    var search = GroupSearch(groups: groups, byTerm: byTerm, largestWeight: largestWeight, k: k)
                    defer { search.release() }
                    var group = worker
                    while group < groups.count {
                        let ranked = search.best(for: group)
                        for member in groups.members[group] {
                            out[member] = Array(ranked.lazy.filter { $0.item != member }.prefix(k))
                        }
                        group += workers
                    }
                    walked[worker] = search.walked
                }
            }
        }
        return (lists, walkedPerWorker.reduce(0, +))
    }
}

/// Items whose vectors are bit-for-bit equal, as one row per group.
struct IdenticalRows {
    /// One row per group, in the order groups were first met.
    let rows: SparseMatrix
    /// Each group's items, ascending.
    let members: [[Int]]
    /// Each group's number of items: what a group counts for when items are counted.
    let sizes: [Int32]
    var count: Int { members.count }

    private struct Key: Hashable {
        let columns: ArraySlice<Int32>
        let bits: [UInt32]
    }

    init(_ vectors: SparseMatrix) {
        var index: [Key: Int] = [:]
        var members: [[Int]] = []
        var starts = [0]
        var columns: [Int32] = []
        var values: [Float] = []
        for item in 0..<vectors.rows {
            let range = vectors.rowStarts[item]..<vectors.rowStarts[item + 1]
            let key = Key(columns: vectors.columnIndices[range], bits: vectors.values[range].map(\.bitPattern))
            if let group = index[key] {
                members[group].append(item)
            } else {
                let group = members.count
                index[key] = group
                members.append([item])
                columns.append(contentsOf: vectors.columnIndices[range])
                values.append(contentsOf: vectors.values[range])
                starts.append(columns.count)
            }
        }
        self.rows = SparseMatrix(rows: members.count, columns: vectors.columns, rowStarts: starts, columnIndices: columns, values: values)
        self.members = members
        self.sizes = members.map { Int32($0.count) }
    }
}

/// One worker's search: per-group scratch arrays reused (and left cleared) from one group to
/// the next.
private struct GroupSearch {
    let groups: IdenticalRows
    let byTerm: SparseMatrix
    let largestWeight: [Float]
    let k: Int
    let partial: UnsafeMutablePointer<Float>
    let seen: UnsafeMutablePointer<Bool>
    let touched: UnsafeMutablePointer<Int32>
    /// Items, and groups, per bin of partial score.
    let histogram: UnsafeMutablePointer<Int>
    let groupHistogram: UnsafeMutablePointer<Int>
    /// What scoring one group met costs, in postings walked: a row read at random costs
    /// about four times what a posting read in order does (measured on the 500,000-item shop).
    let rescoringCost: Int
    /// The group being searched, as a dense row over terms (zero elsewhere).
    let query: UnsafeMutablePointer<Float>
    var walked = 0

    init(groups: IdenticalRows, byTerm: SparseMatrix, largestWeight: [Float], k: Int) {
        self.groups = groups
        self.byTerm = byTerm
        self.largestWeight = largestWeight
        self.k = k
        let count = max(groups.count, 1)
        partial = .allocate(capacity: count)
        partial.initialize(repeating: 0, count: count)
        seen = .allocate(capacity: count)
        seen.initialize(repeating: false, count: count)
        touched = .allocate(capacity: count)
        histogram = .allocate(capacity: CosineNeighbourSearch.bins)
        histogram.initialize(repeating: 0, count: CosineNeighbourSearch.bins)
        groupHistogram = .allocate(capacity: CosineNeighbourSearch.bins)
        groupHistogram.initialize(repeating: 0, count: CosineNeighbourSearch.bins)
        rescoringCost = 4 * max(1, groups.rows.nonZeroCount / max(groups.count, 1))
        query = .allocate(capacity: max(groups.rows.columns, 1))
        query.initialize(repeating: 0, count: max(groups.rows.columns, 1))
    }

    func release() {
        partial.deallocate()
        seen.deallocate()
        touched.deallocate()
        histogram.deallocate()
        groupHistogram.deallocate()
        query.deallocate()
    }

    @inline(__always) private static func bin(_ score: Float) -> Int {
        min(max(Int(score * Float(CosineNeighbourSearch.bins)), 0), CosineNeighbourSearch.bins - 1)
    }

    /// A score that at least `needed` items met so far reach: the lower edge of the bin where
    /// the count from the top reaches `needed` (-infinity if fewer were met).
    private func scoreReachedBy(_ needed: Int) -> Float {
        var count = 0
        var bin = CosineNeighbourSearch.bins - 1
        while bin >= 0 {
            count += histogram[bin]
            if count >= needed { return Float(bin) / Float(CosineNeighbourSearch.bins) }
            bin -= 1
        }
        return -.infinity
    }

    /// How many groups met so far have a partial score of at least `score` (counted by bin, so
    /// possibly a few more).
    private func groupsReaching(_ score: Float) -> Int {
        var count = 0
        var bin = CosineNeighbourSearch.bins - 1
        let lowest = Self.bin(score)
        while bin >= lowest {
            count += groupHistogram[bin]
            bin -= 1
        }
        return count
    }

    /// The group's best K + 1 items over the whole catalog, best first, ties to the lower item.
    mutating func best(for group: Int) -> [ScoredItem] {
        let needed = k + 1
        let relative = CosineNeighbourSearch.relativeMargin
        let absolute = CosineNeighbourSearch.absoluteMargin
        let rows = groups.rows
        let rowRange = rows.rowStarts[group]..<rows.rowStarts[group + 1]
        let postingStarts = byTerm.rowStarts
        let postingLength = { (term: Int32) in postingStarts[Int(term) + 1] - postingStarts[Int(term)] }
        let order = rowRange.sorted { a, b in
            let lengthA = postingLength(rows.columnIndices[a])
            let lengthB = postingLength(rows.columnIndices[b])
            return lengthA != lengthB ? lengthA < lengthB : rows.columnIndices[a] < rows.columnIndices[b]
        }
        // bound[i]: the most a group not met before the i-th term could score; unwalked[i]:
        // the postings still to walk from there.
        var bound = [Float](repeating: 0, count: order.count + 1)
        var unwalked = [Int](repeating: 0, count: order.count + 1)
        var weightTimesLargest = 0.0
        var squares = 0.0
        for position in order.indices.reversed() {
            unwalked[position] = unwalked[position + 1] + postingLength(rows.columnIndices[order[position]])
            let weight = Double(rows.values[order[position]])
            weightTimesLargest += weight * Double(largestWeight[Int(rows.columnIndices[order[position]])])
            squares += weight * weight
            bound[position] = Float(min(weightTimesLargest, squares.squareRoot()))
        }

        var touchedCount = 0
        var itemsMet = 0
        var stoppedAt = order.count
        for (position, entry) in order.enumerated() {
            if itemsMet >= needed {
                let reached = scoreReachedBy(needed) * (1 - relative)
                let rest = bound[position] * (1 + relative) + absolute
                // Stop when no group not met yet can enter, and when scoring the groups met that
                // still might costs less than walking the rest (on a catalog of few, common
                // terms it does not, and walking on is the faster way to the same lists).
                if reached > rest, groupsReaching(reached - rest) * rescoringCost <= unwalked[position] {
                    stoppedAt = position
                    break
                }
            }
            let term = Int(rows.columnIndices[entry])
            walked += postingLength(Int32(term))
            walk(term: term, weight: rows.values[entry], touchedCount: &touchedCount, itemsMet: &itemsMet)
        }

        // Exact scores for the groups that could still reach the list.
        for entry in rowRange { query[Int(rows.columnIndices[entry])] = rows.values[entry] }
        defer { for entry in rowRange { query[Int(rows.columnIndices[entry])] = 0 } }
        let bar = itemsMet >= needed ? scoreReachedBy(needed) * (1 - relative) : -.infinity
        let rest = bound[stoppedAt]
        var candidates: [ScoredItem] = []
        for t in 0..<touchedCount {
            let other = Int(touched[t])
            if (partial[other] + rest) * (1 + relative) + absolute >= bar {
                let score = exactDot(rows, with: other)
                if score > 0 { candidates.append(ScoredItem(item: other, score: score)) }
            }
            partial[other] = 0
            seen[other] = false
        }
        histogram.update(repeating: 0, count: CosineNeighbourSearch.bins)
        groupHistogram.update(repeating: 0, count: CosineNeighbourSearch.bins)
        return expand(candidates, needed: needed)
    }

    /// Adds one term's products to the partial scores of every group that has the term: the
    /// loop that runs billions of times, hence raw buffers.
    @inline(__always)
    private func walk(term: Int, weight: Float, touchedCount: inout Int, itemsMet: inout Int) {
        let start = byTerm.rowStarts[term]
        let end = byTerm.rowStarts[term + 1]
        byTerm.columnIndices.withUnsafeBufferPointer { others in
            byTerm.values.withUnsafeBufferPointer { values in
                groups.sizes.withUnsafeBufferPointer { sizes in
                    for p in start..<end {
                        let other = Int(others[p])
                        let count = Int(sizes[other])
                        let before = partial[other]
                        if seen[other] {
                            histogram[Self.bin(before)] -= count
                            groupHistogram[Self.bin(before)] -= 1
                        } else {
                            seen[other] = true
                            touched[touchedCount] = Int32(other)
                            touchedCount += 1
                            itemsMet += count
                        }
                        let after = before + weight * values[p]
                        partial[other] = after
                        histogram[Self.bin(after)] += count
                        groupHistogram[Self.bin(after)] += 1
                    }
                }
            }
        }
    }

    /// From scored groups to the best `needed` items. Every group holds at least one item, so
    /// the `needed`-th best group's score is a floor for the `needed`-th best item's: the
    /// groups at or above it (ties included) hold the answer, and only their items are sorted.
    private func expand(_ candidates: [ScoredItem], needed: Int) -> [ScoredItem] {
        var bestGroups = TopKHeap(k: needed)
        for candidate in candidates { bestGroups.offer(candidate.item, score: candidate.score) { _ in true } }
        let floor = bestGroups.isFull ? bestGroups.threshold : -Float.infinity
        var items: [ScoredItem] = []
        for candidate in candidates where candidate.score >= floor {
            for member in groups.members[candidate.item] { items.append(ScoredItem(item: member, score: candidate.score)) }
        }
        items.sort { $0.score > $1.score || ($0.score == $1.score && $0.item < $1.item) }
        return Array(items.prefix(needed))
    }

    /// The dot product of the group's row (spread into `query`) with another row, adding the
    /// products in ascending term order: the order, and so the rounding, of
    /// `NeighbourSearch.allPairs`. Terms the group lacks add an exact zero, which changes no sum.
    @inline(__always) private func exactDot(_ rows: SparseMatrix, with other: Int) -> Float {
        rows.columnIndices.withUnsafeBufferPointer { columns in
            rows.values.withUnsafeBufferPointer { values in
                var sum: Float = 0
                for entry in rows.rowStarts[other]..<rows.rowStarts[other + 1] {
                    sum += query[Int(columns[entry])] * values[entry]
                }
                return sum
            }
        }
    }
}
