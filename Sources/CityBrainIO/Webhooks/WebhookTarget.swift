import CityBrainCore
import Foundation

/// Where a webhook delivers: a URL, and the departments whose alerts it takes (all when none).
///
/// Given on the command line as `[department,department=]URL`:
/// `--webhook https://dispatch.example/hook` takes every alert,
/// `--webhook traffic-police=https://police.example/cityhook` those routed to traffic-police.
public struct WebhookTarget: Sendable, Hashable {
    public var url: URL
    /// Departments whose alerts go here; empty: all.
    public var departments: Set<String>

    public init(url: URL, departments: Set<String> = []) {
        self.url = url
        self.departments = departments
    }

    /// Parses `[department,…=]URL`; `nil` with a reason for anything else.
    public static func parse(_ text: String) -> Result<WebhookTarget, WebhookTargetError> {
        var departments: Set<String> = []
        var address = text
        if let equals = text.firstIndex(of: "="), !text[..<equals].contains("/") {
            departments = Set(text[..<equals].split(separator: ",").map(String.init))
            address = String(text[text.index(after: equals)...])
        }
        guard let url = URL(string: address), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            return .failure(WebhookTargetError(message: "'\(text)' is not [department,…=]http(s)://host/path"))
        }
        return .success(WebhookTarget(url: url, departments: departments))
    }

    /// Whether alerts of `department` go here.
    public func takes(department: String) -> Bool {
        departments.isEmpty || departments.contains(department)
    }

    /// A stable name for the target's cursor file and metrics label: host, port and a hash of
    /// the whole target.
    public var name: String {
        let host = (url.host ?? "host").filter { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }
        let port = url.port.map { "-\($0)" } ?? ""
        let hash = StableHash.fnv1a(url.absoluteString + "|" + departments.sorted().joined(separator: ","))
        return "\(host)\(port)-\(String(hash, radix: 16).prefix(8))"
    }
}

/// A `--webhook` value that cannot be used.
public struct WebhookTargetError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
