import ArgumentParser
import CityBrainCore
import CityBrainIO
import Foundation

/// How alerts leave the process besides the ZeroMQ stream: the format of `--output` and of
/// webhooks, the webhook targets, and the secret that signs them. `run` and `fanin` share it.
struct AlertDeliveryOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("How --output and --webhook write alerts: native (default) or ngsi-ld (FIWARE Alert entities). The ZeroMQ stream stays native.", valueName: "format"))
    var alertFormat: AlertFormat = .native

    @Option(name: .long, help: ArgumentHelp("POST each alert to this URL, in order, retrying until it is taken; [department,…=]URL for some departments only; repeatable. Delivered from the alert journal (the queue).", valueName: "url"))
    var webhook: [String] = []

    @Option(name: .long, help: ArgumentHelp("Sign webhook deliveries with HMAC-SHA256 of this file's secret (X-CityBrain-Signature).", valueName: "file"))
    var webhookSecret: String?

    /// Bad targets, and a secret with no webhook, are usage errors.
    func validate() throws {
        for target in webhook { if case .failure(let error) = WebhookTarget.parse(target) { throw ValidationError("--webhook: \(error)") } }
        if webhookSecret != nil, webhook.isEmpty { throw ValidationError("--webhook-secret signs --webhook deliveries: add --webhook URL") }
    }

    /// The webhook targets (validated).
    var targets: [WebhookTarget] { webhook.compactMap { try? WebhookTarget.parse($0).get() } }

    /// The signature of `--webhook-secret`, read from its file; `nil` without one.
    func signature() throws -> WebhookSignature? {
        guard let webhookSecret else { return nil }
        let secret: String
        do {
            secret = try String(contentsOfFile: webhookSecret, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw ValidationError("--webhook-secret: cannot read \(webhookSecret): \((error as NSError).localizedDescription)")
        }
        guard !secret.isEmpty else { throw ValidationError("--webhook-secret: \(webhookSecret) is empty") }
        return WebhookSignature(secret: Array(secret.utf8))
    }
}
