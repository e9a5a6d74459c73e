import CityBrainWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import Yams

@Suite("docs/openapi.yaml")
struct OpenAPITests {
    static var spec: [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/openapi.yaml")
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return ((try? Yams.load(yaml: text)) as? [String: Any]) ?? [:]
    }

    static var documented: Set<String> {
        var routes: Set<String> = []
        for (path, item) in Self.spec["paths"] as? [String: Any] ?? [:] {
            for method in ["get", "post", "put", "delete", "patch"] where (item as? [String: Any])?[method] != nil {
                routes.insert("\(method.uppercased()) \(path)")
            }
        }
        return routes
    }

    @Test("documents exactly the routes the server has")
    func sameRoutes() {
        #expect(Self.spec["openapi"] as? String == "3.1.0")
        #expect(Self.documented == Set(OperationsAPI.routes))
    }

    @Test("every route in the list is served (none answers 404 for a known alert), with the documented statuses")
    func everyRouteServed() async throws {
        let fixture = DeskFixture()
        fixture.raise("seg-1")
        // Route → the statuses docs/openapi.yaml lists for it.
        let spec = Self.spec
        let paths = spec["paths"] as? [String: Any] ?? [:]
        let components = (spec["components"] as? [String: Any])?["responses"] as? [String: Any] ?? [:]
        var statuses: [String: Set<String>] = [:]
        for route in OperationsAPI.routes {
            let parts = route.split(separator: " ")
            let operation = (paths[String(parts[1])] as? [String: Any])?[String(parts[0]).lowercased()] as? [String: Any]
            let responses = operation?["responses"] as? [String: Any] ?? [:]
            // OpenAPI allows a reference per response, not for the whole map: each must resolve.
            #expect(responses["$ref"] == nil, "\(route): 'responses' must map statuses to responses")
            for (status, response) in responses {
                guard let reference = (response as? [String: Any])?["$ref"] as? String else { continue }
                let name = String(reference.dropFirst("#/components/responses/".count))
                #expect(reference.hasPrefix("#/components/responses/") && components[name] != nil, "\(route) \(status): \(reference) does not resolve")
            }
            statuses[route] = Set(responses.keys)
        }
        let documentedStatuses = statuses
        try await Application(router: try fixture.api().router()).test(.router) { client in
            for route in OperationsAPI.routes where route != "GET /live" {
                let parts = route.split(separator: " ")
                let method = HTTPRequest.Method(rawValue: String(parts[0]))!
                let path = String(parts[1])
                let uri = path.replacingOccurrences(of: "{id}", with: "seg-1")
                let body = method == .post ? ByteBuffer(string: #"{"by":"ana","assignee":"unit-1"}"#) : nil
                let status = try await client.execute(uri: uri, method: method, headers: authorized, body: body) { $0.status.code }
                #expect(status != 404, "\(route) is not served")
                #expect(documentedStatuses[route]?.contains(String(status)) == true, "\(route) answered \(status), which docs/openapi.yaml does not list")
            }
        }
    }
}
