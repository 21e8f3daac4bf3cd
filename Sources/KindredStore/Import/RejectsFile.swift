import Foundation

/// The file where `--skip-bad` sets rejected rows aside: CSV with the line number, the field,
/// the reason, and the original record, so that the rows can be fixed and imported again.
/// Created on the first reject only.
struct RejectsFile {
    let path: String?
    private var handle: FileHandle?

    init(path: String?) {
        self.path = path
    }

    mutating func append(_ error: DataError, raw: String) throws {
        guard let path else { return }
        if handle == nil {
            guard FileManager.default.createFile(atPath: path, contents: nil), let opened = FileHandle(forWritingAtPath: path) else {
                throw DataError(file: path, message: "cannot create the rejects file (\(String(cString: strerror(errno))))")
            }
            handle = opened
            try opened.write(contentsOf: Data("line,field,error,record\n".utf8))
        }
        let line =
            [error.line.map(String.init) ?? "", error.field ?? "", error.message, raw]
            .map(Self.quoted).joined(separator: ",") + "\n"
        try handle!.write(contentsOf: Data(line.utf8))
    }

    mutating func close() throws {
        try handle?.close()
        handle = nil
    }

    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
