import Foundation

/// Where the contract tests find the repository and the validators `make test-deps` installs
/// from PyPI (one virtual environment under `.build`).
enum ContractTools {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let environment = repository.appendingPathComponent(".build/schemathesis-venv/bin")
    static let schemathesis = environment.appendingPathComponent("schemathesis").path
    static let python = environment.appendingPathComponent("python").path
    static let kubernetesValidate = environment.appendingPathComponent("kubernetes-validate").path
}
