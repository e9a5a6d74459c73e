import CityBrainTesting
import Foundation
import Testing
import ZeroMQ

/// The HTTP API against its contract, `docs/openapi.yaml`, as an outside tool sees it:
/// schemathesis (from PyPI; `make test-deps` installs it under `.build/schemathesis-venv`)
/// generates valid and invalid requests for every operation and checks each answer's status,
/// headers and body against the document, and that undeclared methods get 405.
@Suite("API contract (schemathesis)", .serialized)
struct APIContractTests {
    static let root = ContractTools.repository

    @Test("schemathesis finds no mismatch between the live API and docs/openapi.yaml")
    func liveAPIMatchesItsContract() throws {
        try #require(FileManager.default.isExecutableFile(atPath: ContractTools.schemathesis),
                     "schemathesis is not installed at \(ContractTools.schemathesis): run `make test-deps`")
        let token = "contract-test-token-\(UUID().uuidString.prefix(8))"
        let directory = try makeTemporaryDirectory("contract")
        defer { removeTemporaryDirectory(directory) }
        try token.write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        let httpPort = try OperationsPageTests.freePort()
        let feedEndpoint = "ipc://\(directory)/feed"
        let process = try CommandRunner.start([
            "run", "--pull", feedEndpoint, "--alerts", "ipc://\(directory)/alerts", "--journal", directory + "/journal",
            "--http", "127.0.0.1:\(httpPort)", "--http-token-file", directory + "/token",
        ])
        defer { process.terminate(); _ = process.finish(timeout: 20) }

        // Some alerts on the board, so listings have content.
        let context = try Context()
        let feed = try Socket(context, .push)
        try feed.connect(feedEndpoint)
        let base: Int64 = 1_732_269_600_000
        for sensor in 0..<3 {
            for second in stride(from: 0 as Int64, through: 66, by: 6) {
                let speed = second < 60 ? 11.0 : 50.0
                try feed.send(#"{"kind":"traffic","sensor":"seg-\#(sensor)","district":"d02","ts":\#(base + second * 1000),"speed_kmh":\#(speed),"occupancy":0.6}"#)
            }
        }
        var healthy = false
        for _ in 0..<50 where !healthy {
            let curl = Process()
            curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            curl.arguments = ["-sf", "-o", "/dev/null", "http://127.0.0.1:\(httpPort)/health"]
            try curl.run()
            curl.waitUntilExit()
            healthy = curl.terminationStatus == 0
            if !healthy { usleep(100_000) }
        }
        try #require(healthy, "the API did not come up; citybrain run said: \(process.stderr)")

        let checker = Process()
        checker.executableURL = URL(fileURLWithPath: ContractTools.schemathesis)
        checker.arguments = [
            "run", Self.root.appendingPathComponent("docs/openapi.yaml").path,
            "--url", "http://127.0.0.1:\(httpPort)", "--header", "Authorization: Bearer \(token)",
            "--seed", "1", "--max-examples", "20", "--request-timeout", "5", "--max-time", "40",
            "--exclude-path", "/live",  // an endless event stream: the browser test covers it
            "--warnings", "off", "--no-color",
        ]
        checker.currentDirectoryURL = URL(fileURLWithPath: directory)
        let output = Pipe()
        checker.standardOutput = output
        checker.standardError = output
        try checker.run()
        let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        checker.waitUntilExit()
        #expect(checker.terminationStatus == 0, "schemathesis found mismatches:\n\(report.suffix(6_000))")
    }
}
