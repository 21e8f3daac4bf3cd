import Foundation
import KindredEngine
import Logging
import ServiceLifecycle
import Synchronization

/// The shops of `kindred serve --shops DIR`: every `NAME.sqlite` in the folder, with its key
/// file `NAME.sqlite.key` beside it, is a shop called NAME, served under `/shops/NAME/`. A shop
/// whose file cannot be opened (corrupt, not Kindred's, a key that does not match) is kept as
/// unavailable with the reason, and tried again when its file changes; it never stops the
/// others. Scanning again picks up files added since, without a restart.
final class ShopFolder: Sendable {
    enum Entry: Sendable {
        case serving(engine: Engine, server: ShopServer)
        case unavailable(reason: String, signature: String)
    }

    let path: String
    let configuration: ServerConfiguration
    let logger: Logger
    private let entries = Mutex<[String: Entry]>([:])
    /// Which shop a presented API key belongs to, once a request has shown it.
    private let keyOwners = Mutex<[String: String]>([:])
    /// Each serving shop's service group, so that a shop whose file leaves the folder can be stopped.
    private let groups = Mutex<[String: ServiceGroup]>([:])

    /// What a scan found: shops to start, and the service groups of shops whose file is gone.
    struct ScanResult: Sendable {
        var opened: [(name: String, server: ShopServer)] = []
        var removed: [(name: String, services: ServiceGroup)] = []
    }

    init(path: String, configuration: ServerConfiguration, logger: Logger) {
        self.path = path
        self.configuration = configuration
        self.logger = logger
    }

    /// A shop's name is its file's name without `.sqlite`: letters, digits, `-` and `_`, so
    /// that it is one path segment as written.
    static func shopName(ofFile file: String) -> String? {
        guard file.hasSuffix(".sqlite") else { return nil }
        let name = String(file.dropLast(".sqlite".count))
        guard !name.isEmpty, name.count <= 64,
            name.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "-" || $0 == "_" })
        else { return nil }
        return name
    }

    /// Opens the shops that appeared (or whose broken file changed) since the last scan, so
    /// that their services can be started, and takes out the shops whose file is gone, so that
    /// theirs can be stopped: a file moved out of the folder is no longer served.
    func scan() -> ScanResult {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        var result = ScanResult()
        for file in files.sorted() where file.hasSuffix(".sqlite") {
            guard let name = Self.shopName(ofFile: file) else {
                // Said once, where a shop owner looks (`/healthz`, the log), not skipped silently.
                let raw = String(file.dropLast(".sqlite".count))
                if entries.withLock({ $0[raw] }) == nil {
                    let reason = "\(file): a shop's name is letters, digits, - and _ (rename the file and its key file)"
                    entries.withLock { $0[raw] = .unavailable(reason: reason, signature: "name") }
                    logger.error("shop \(raw) is unavailable: \(reason)")
                }
                continue
            }
            let database = path + "/" + file
            let signature = Self.signature(ofShop: database)
            switch entries.withLock({ $0[name] }) {
            case .serving: continue
            case .unavailable(_, let known) where known == signature: continue
            default: break
            }
            do {
                let engine = try Engine.open(
                    at: DatabaseLocation(databasePath: database, keyPath: database + ".key"), actor: "server")
                let server = try buildShopServer(engine: engine, configuration: configuration, logger: logger)
                entries.withLock { $0[name] = .serving(engine: engine, server: server) }
                logger.notice("serving shop \(name) (\(database))")
                result.opened.append((name, server))
            } catch {
                let reason = String(describing: error)
                entries.withLock { $0[name] = .unavailable(reason: reason, signature: signature) }
                logger.error("shop \(name) is unavailable: \(reason)")
            }
        }
        let present = Set(files)
        let gone = entries.withLock { entries -> [String] in
            let names = entries.keys.filter { !present.contains($0 + ".sqlite") }
            for name in names { entries[name] = nil }
            return names
        }
        if !gone.isEmpty {
            keyOwners.withLock { owners in owners = owners.filter { !gone.contains($0.value) } }
            for name in gone.sorted() {
                logger.notice("shop \(name) left the folder; no longer served")
                if let services = groups.withLock({ $0.removeValue(forKey: name) }) { result.removed.append((name, services)) }
            }
        }
        return result
    }

    /// Remembers a serving shop's service group (see `scan`).
    func register(_ services: ServiceGroup, for name: String) {
        groups.withLock { $0[name] = services }
    }

    func entry(_ name: String) -> Entry? { entries.withLock { $0[name] } }

    /// Marks a shop unavailable after its services failed; its requests get 503 from then on.
    func markFailed(_ name: String, reason: String) {
        let database = path + "/" + name + ".sqlite"
        entries.withLock { $0[name] = .unavailable(reason: reason, signature: Self.signature(ofShop: database)) }
    }

    /// Every shop and whether it is served, for `/healthz`.
    func states() -> [(name: String, serving: Bool, reason: String?)] {
        entries.withLock { entries in
            entries.keys.sorted().map { name in
                switch entries[name]! {
                case .serving: return (name, true, nil)
                case .unavailable(let reason, _): return (name, false, reason)
                }
            }
        }
    }

    /// The shop whose database holds this API key (a key belongs to one shop: keys are rows of
    /// its file). Looked up in each serving shop once, then remembered.
    func shop(forKey key: String) -> String? {
        if let known = keyOwners.withLock({ $0[key] }) { return known }
        let serving: [(String, Engine)] = entries.withLock { entries in
            entries.compactMap { name, entry in
                if case .serving(let engine, _) = entry { return (name, engine) }
                return nil
            }.sorted { $0.0 < $1.0 }
        }
        for (name, engine) in serving where (try? engine.authenticate(key: key)) != nil {
            keyOwners.withLock { owners in
                if owners.count > 10_000 { owners.removeAll() }
                owners[key] = name
            }
            return name
        }
        return nil
    }

    /// What changes when a shop's files do: the database, its WAL (where writes land until a
    /// checkpoint) and its key file.
    private static func signature(ofShop database: String) -> String {
        [database, database + "-wal", database + ".key"].map(signature(of:)).joined(separator: "|")
    }

    private static func signature(of file: String) -> String {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: file) else { return "none" }
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(size)@\(modified)"
    }
}
