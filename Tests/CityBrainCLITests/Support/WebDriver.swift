import Foundation

/// A minimal W3C WebDriver client for Debian's chromedriver and headless Chromium: enough to
/// open a page, find elements, type, click and take a screenshot, from a test.
final class WebDriver {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let driver: Process
    private let base: URL
    private var session = ""
    /// Chromium's profile, a directory of its own, removed when the driver ends.
    private let profile = NSTemporaryDirectory() + "citybrain-chromium-\(UUID().uuidString)"

    /// Starts chromedriver on `port` and a headless Chromium session.
    init(port: Int) throws {
        guard let chromedriver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].first(where: FileManager.default.isExecutableFile),
              let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: FileManager.default.isExecutableFile) else {
            throw Failure(description: "chromium and chromium-driver are not installed (make test installs them with apt)")
        }
        driver = Process()
        driver.executableURL = URL(fileURLWithPath: chromedriver)
        driver.arguments = ["--port=\(port)"]
        driver.standardOutput = FileHandle.nullDevice
        driver.standardError = FileHandle.nullDevice
        try driver.run()
        base = URL(string: "http://127.0.0.1:\(port)")!
        var ready = false
        for _ in 0..<100 where !ready {
            ready = (try? request("GET", "/status")) != nil
            if !ready { usleep(100_000) }
        }
        guard ready else { throw Failure(description: "chromedriver did not start") }
        let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": ["goog:chromeOptions": [
            "binary": chromium,
            // A profile of its own, so a Chromium already running on the machine cannot take the window over.
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1600,1000",
                     "--user-data-dir=\(profile)"],
        ]]]]
        let created = try request("POST", "/session", capabilities)
        guard let id = (created["value"] as? [String: Any])?["sessionId"] as? String else {
            throw Failure(description: "no WebDriver session: \(created)")
        }
        session = id
    }

    deinit {
        _ = try? request("DELETE", "/session/\(session)")
        // chromedriver does not always exit on SIGTERM; a test must never hang on it.
        driver.terminate()
        let deadline = Date().addingTimeInterval(3)
        while driver.isRunning, Date() < deadline { usleep(20_000) }
        if driver.isRunning { kill(driver.processIdentifier, SIGKILL) }
        driver.waitUntilExit()
        try? FileManager.default.removeItem(atPath: profile)
    }

    func open(_ url: String) throws { _ = try request("POST", "/session/\(session)/url", ["url": url]) }

    /// The element matching a CSS selector, if there is one now.
    func find(_ css: String) throws -> String? {
        let answer = try request("POST", "/session/\(session)/element", ["using": "css selector", "value": css], allowError: true)
        return (answer["value"] as? [String: Any])?.first(where: { $0.key.hasPrefix("element-") })?.value as? String
    }

    /// Waits up to `timeout` seconds for an element.
    func waitFor(_ css: String, timeout: Double) throws -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            if let element = try find(css) { return element }
            usleep(50_000)
        } while Date() < deadline
        return nil
    }

    func type(_ text: String, into element: String) throws {
        _ = try request("POST", "/session/\(session)/element/\(element)/value", ["text": text])
    }

    func click(_ element: String) throws { _ = try request("POST", "/session/\(session)/element/\(element)/click", [:]) }

    func text(of element: String) throws -> String {
        (try request("GET", "/session/\(session)/element/\(element)/text"))["value"] as? String ?? ""
    }

    /// The page as PNG.
    func screenshot() throws -> Data {
        guard let encoded = try request("GET", "/session/\(session)/screenshot")["value"] as? String, let png = Data(base64Encoded: encoded) else {
            throw Failure(description: "no screenshot")
        }
        return png
    }

    /// One WebDriver call through curl (URLSession's callbacks can stall inside a test runner's
    /// blocked thread; a child process cannot).
    @discardableResult
    private func request(_ method: String, _ path: String, _ body: [String: Any]? = nil, allowError: Bool = false) throws -> [String: Any] {
        let (status, data) = try Self.fetch(base.absoluteString + path, method: method,
                                            json: try body.map { try JSONSerialization.data(withJSONObject: $0) })
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        if status >= 400, !allowError { throw Failure(description: "\(method) \(path): HTTP \(status) \(object)") }
        return object
    }

    /// An HTTP request with curl: the status and the body.
    static func fetch(_ url: String, method: String = "GET", json: Data? = nil, headers: [String: String] = [:]) throws -> (status: Int, body: Data) {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        var arguments = ["-s", "-m", "30", "-X", method, "-w", "\n%{http_code}", url]
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { arguments += ["-H", "\(name): \(value)"] }
        if let json {
            arguments += ["-H", "Content-Type: application/json", "--data-binary", String(decoding: json, as: UTF8.self)]
        }
        curl.arguments = arguments
        let output = Pipe()
        curl.standardOutput = output
        curl.standardError = FileHandle.nullDevice
        try curl.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        curl.waitUntilExit()
        guard curl.terminationStatus == 0, let newline = data.lastIndex(of: UInt8(ascii: "\n")),
              let status = Int(String(decoding: data[(newline + 1)...], as: UTF8.self)) else {
            throw Failure(description: "\(method) \(url): curl exit \(curl.terminationStatus)")
        }
        return (status, Data(data[..<newline]))
    }
}
