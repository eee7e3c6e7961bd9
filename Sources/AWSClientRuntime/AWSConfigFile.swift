/// The shared `~/.aws/config` and `~/.aws/credentials` files, read the way the AWS CLI and SDKs read them:
/// `[section]` headers, `key = value` lines, `#`/`;` comment lines, and a key with an empty value followed by
/// indented `key = value` lines as a nested block (how `[services ...]` sections name per-service settings).
public struct AWSConfigFile: Hashable, Sendable {
    /// One section: plain settings and nested blocks, keys as written (they are compared case-sensitively,
    /// as the SDKs do).
    public struct Section: Hashable, Sendable {
        public var values: [String: String] = [:]
        public var nested: [String: [String: String]] = [:]

        public init(values: [String: String] = [:], nested: [String: [String: String]] = [:]) {
            self.values = values
            self.nested = nested
        }
    }

    /// Sections by their header as written, without brackets and surrounding spaces (`default`, `profile dev`).
    public var sections: [String: Section]

    public init(sections: [String: Section] = [:]) {
        self.sections = sections
    }

    /// Parses a file; lines that fit no form are skipped, as the SDKs skip them.
    public init(parsing text: String) {
        var sections: [String: Section] = [:]
        var current: String?
        var nestedKey: String?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            let indented = rawLine.first == " " || rawLine.first == "\t"
            if line.hasPrefix("["), line.hasSuffix("]") {
                let name = String(line.dropFirst().dropLast()).trimmingWhitespace()
                current = name
                nestedKey = nil
                if sections[name] == nil { sections[name] = Section() }
                continue
            }
            guard let section = current, let equals = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equals]).trimmingWhitespace()
            let value = String(line[line.index(after: equals)...]).trimmingWhitespace()
            guard !key.isEmpty else { continue }
            if indented, let parent = nestedKey {
                sections[section, default: Section()].nested[parent, default: [:]][key] = value
            } else if value.isEmpty {
                nestedKey = key
                sections[section, default: Section()].nested[key, default: [:]] = [:]
            } else {
                nestedKey = nil
                sections[section, default: Section()].values[key] = value
            }
        }
        self.sections = sections
    }

    /// A profile of the config file: `[default]` or `[profile NAME]` (`[NAME]` is also accepted for `default`).
    public func configProfile(_ name: String) -> Section? {
        if name == "default" { return sections["profile default"] ?? sections["default"] }
        return sections["profile \(name)"]
    }

    /// A profile of the credentials file: `[NAME]`.
    public func credentialsProfile(_ name: String) -> Section? {
        sections[name]
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
