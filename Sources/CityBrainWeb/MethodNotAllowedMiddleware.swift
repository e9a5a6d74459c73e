import HTTPTypes
import Hummingbird
import NIOCore

/// Answers a method a path does not serve with `405 Method Not Allowed` and an `Allow` header
/// (RFC 9110 §15.5.6), instead of the router's 404: the path exists, only the method is wrong.
/// Paths no route serves still get 404.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Route templates by path segments (`{id}` matches any one segment), with their methods.
    private let templates: [(segments: [Substring], methods: [String])]

    /// - Parameter routes: `METHOD /path` entries, `{id}` for a path parameter
    ///   (``OperationsAPI/routes``).
    init(routes: [String]) {
        var byPath: [String: [String]] = [:]
        var order: [String] = []
        for route in routes {
            let parts = route.split(separator: " ", maxSplits: 1)
            let (method, path) = (String(parts[0]), String(parts[1]))
            if byPath[path] == nil { order.append(path) }
            byPath[path, default: []].append(method)
        }
        templates = order.map { path in (path.split(separator: "/"), byPath[path]!) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let allowed = methods(for: request.uri.path), !allowed.contains(request.method.rawValue) else {
            return try await next(request, context)
        }
        let allow = allowed.joined(separator: ", ")
        return Response(
            status: .methodNotAllowed,
            headers: [.allow: allow, .contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: CaseJSON.error("\(request.method.rawValue) is not served here; allowed: \(allow)")))
        )
    }

    /// The methods served on `path`, or `nil` when no route has this path.
    func methods(for path: String) -> [String]? {
        let segments = path.split(separator: "/")
        return templates.first { template in
            template.segments.count == segments.count
                && zip(template.segments, segments).allSatisfy { pattern, segment in pattern.hasPrefix("{") || pattern == segment }
        }?.methods
    }
}
