import CityBrainCore
import CityBrainTesting
import Foundation
import Testing
import Yams

/// `deploy/kubernetes` and `deploy/Containerfile`: valid against the Kubernetes schemas (offline,
/// with `kubernetes-validate` from PyPI), and in agreement with each other and with the CLI: the
/// pods' arguments are run through `citybrain … --dry-run` with the files they name.
@Suite("Kubernetes manifests and the container image")
struct KubernetesManifestTests {
    static let deploy = ContractTools.repository.appendingPathComponent("deploy").path
    static let kubernetes = deploy + "/kubernetes"

    /// The resources kustomization.yaml lists, and the example Secrets.
    static func manifestFiles() throws -> [String] {
        let kustomization = try Self.yaml(kubernetes + "/kustomization.yaml")
        let resources = try #require(kustomization["resources"] as? [String])
        return resources.map { kubernetes + "/" + $0 } + [kubernetes + "/secrets.example.yaml"]
    }

    static func yaml(_ path: String) throws -> [String: Any] {
        try #require(try Yams.load(yaml: String(contentsOfFile: path, encoding: .utf8)) as? [String: Any])
    }

    /// Every document of every manifest, by `<kind>/<name>`.
    static func resources() throws -> [String: [String: Any]] {
        var result: [String: [String: Any]] = [:]
        for file in try manifestFiles() {
            for document in try Yams.load_all(yaml: String(contentsOfFile: file, encoding: .utf8)) {
                guard let object = document as? [String: Any], let kind = object["kind"] as? String,
                      let name = (object["metadata"] as? [String: Any])?["name"] as? String else { continue }
                result["\(kind)/\(name)"] = object
            }
        }
        return result
    }

    static func validate(_ files: [String]) throws -> CommandRunner.Result {
        try CommandRunner.runTool(ContractTools.kubernetesValidate, ["--strict", "--quiet", "--kubernetes-version", "1.37.0"] + files)
    }

    @Test("every manifest is valid against the Kubernetes 1.37 schemas, strictly; a broken one is caught")
    func schemas() throws {
        let files = try Self.manifestFiles()
        #expect(files.count == 10)
        let result = try Self.validate(files)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")

        // The validator is not a rubber stamp: a misspelt field and a wrong type are refused.
        let directory = try makeTemporaryDirectory("kubernetes")
        defer { removeTemporaryDirectory(directory) }
        let original = try String(contentsOfFile: Self.kubernetes + "/shard-statefulset.yaml", encoding: .utf8)
        for (change, complaint) in [(("  podManagementPolicy: Parallel", "  podManagementPolicy: Parallel\n  replica: 3"), "replica"),
                                    (("containerPort: 5558", "containerPort: \"5558\""), "'5558' is not of type 'integer'")] {
            let broken = directory + "/statefulset.yaml"
            try original.replacingOccurrences(of: change.0, with: change.1).write(toFile: broken, atomically: true, encoding: .utf8)
            let refused = try Self.validate([broken])
            #expect(refused.status != 0)
            #expect((refused.stdout + refused.stderr).contains(complaint), "\(refused.stdout)\(refused.stderr)")
        }

        // Rendered as `kubectl apply -k` would (where kubectl is installed), it is still valid.
        if let kubectl = CommandRunner.which("kubectl") {
            let rendered = try CommandRunner.runTool(kubectl, ["kustomize", Self.kubernetes])
            #expect(rendered.status == 0, "\(rendered.stderr)")
            let output = directory + "/rendered.yaml"
            try rendered.stdout.write(toFile: output, atomically: true, encoding: .utf8)
            let check = try Self.validate([output])
            #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
            #expect(rendered.stdout.contains("namespace: citybrain"))
        }
    }

    @Test("the ConfigMaps carry today's pipeline and shard plan, and the plan has as many shards as the StatefulSet has pods")
    func configMapsAndShardCount() throws {
        let resources = try Self.resources()
        let pipelines = try #require(resources["ConfigMap/citybrain-pipelines"]?["data"] as? [String: String])
        #expect(pipelines["city.yaml"] == (try String(contentsOfFile: ContractTools.repository.path + "/Pipelines/city.yaml", encoding: .utf8)),
                "run scripts/kubernetes-configmaps")
        let plans = try #require(resources["ConfigMap/citybrain-shard-plan"]?["data"] as? [String: String])
        let planText = try #require(plans["shards.yaml"])
        #expect(planText == (try String(contentsOfFile: Self.deploy + "/shards.yaml", encoding: .utf8)), "run scripts/kubernetes-configmaps")
        let plan = try ShardPlanLoader.load(text: planText, name: "shards.yaml")
        let replicas = try #require((try Self.yaml(Self.kubernetes + "/kustomization.yaml")["replicas"] as? [[String: Any]])?.first)
        #expect(replicas["name"] as? String == "citybrain-shard")
        #expect(replicas["count"] as? Int == plan.shards.count)
        // Pod citybrain-shard-<n> runs shard-<n>.
        for ordinal in 0..<plan.shards.count { #expect(plan.shard(named: "citybrain-shard-\(ordinal)") == "shard-\(ordinal)") }
        #expect(plan.shard(named: "citybrain-shard-\(plan.shards.count)") == nil)
    }

    /// A pod template's single container.
    static func container(_ resource: [String: Any]?) throws -> [String: Any] {
        let spec = try #require(((resource?["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])
        return try #require((spec["containers"] as? [[String: Any]])?.first)
    }

    static func ports(_ container: [String: Any]) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: ((container["ports"] as? [[String: Any]]) ?? []).map { ($0["name"] as? String ?? "", $0["containerPort"] as? Int ?? 0) })
    }

    static func argument(_ name: String, in args: [String]) -> String? {
        args.first { $0.hasPrefix("--\(name)=") }.map { String($0.dropFirst(name.count + 3)) }
    }

    @Test("ports, services, volumes and the image agree: what the arguments bind is what the pods expose and the services route")
    func namesPortsAndVolumes() throws {
        let resources = try Self.resources()
        let containerfile = try String(contentsOfFile: Self.deploy + "/Containerfile", encoding: .utf8)
        let exposed = Set(try #require(containerfile.split(separator: "\n").first { $0.hasPrefix("EXPOSE ") }).split(separator: " ").dropFirst().compactMap { Int($0) })
        #expect(containerfile.contains("USER 10001:10001"))
        #expect(containerfile.contains("VOLUME [\"/var/lib/citybrain\"]"))
        #expect(containerfile.contains("curl -fsS http://127.0.0.1:8080/health"))

        for (workload, service) in [("StatefulSet/citybrain-shard", "Service/citybrain-shards"), ("Deployment/citybrain-fanin", "Service/citybrain-fanin")] {
            let resource = resources[workload]
            let container = try Self.container(resource)
            let args = try #require(container["args"] as? [String])
            let ports = Self.ports(container)
            // Each endpoint the process binds is a declared container port the image exposes.
            for (option, port) in [("alerts", "alerts"), ("catchup", "catchup"), ("http", "http")] {
                let value = try #require(Self.argument(option, in: args), "\(workload): --\(option)")
                #expect(value.hasSuffix(":\(ports[port] ?? -1)"), "\(workload): --\(option)=\(value) vs port \(port)")
                #expect(exposed.contains(ports[port] ?? -1))
            }
            // Probes ask the HTTP port for /health.
            for probe in ["readinessProbe", "livenessProbe"] {
                let get = try #require((container[probe] as? [String: Any])?["httpGet"] as? [String: Any])
                #expect(get["path"] as? String == "/health")
                #expect(get["port"] as? String == "http")
            }
            // The service selects the pods and routes to ports they have.
            let serviceSpec = try #require(resources[service]?["spec"] as? [String: Any])
            let labels = try #require((((resource?["spec"] as? [String: Any])?["template"] as? [String: Any])?["metadata"] as? [String: Any])?["labels"] as? [String: String])
            for (key, value) in try #require(serviceSpec["selector"] as? [String: String]) { #expect(labels[key] == value, "\(service) selector \(key)") }
            for port in try #require(serviceSpec["ports"] as? [[String: Any]]) {
                let target = try #require(port["targetPort"] as? String)
                #expect(ports[target] == port["port"] as? Int, "\(service) port \(target)")
            }
            // Every path an argument names lies on a mounted volume, and every mounted volume is declared.
            let mounts = try #require(container["volumeMounts"] as? [[String: Any]]).compactMap { $0["mountPath"] as? String }
            for value in args.compactMap({ $0.split(separator: "=", maxSplits: 1).last.map(String.init) }) where value.hasPrefix("/") {
                #expect(mounts.contains { value.hasPrefix($0 + "/") || value == $0 }, "\(workload): \(value) is on no volume")
            }
            #expect(mounts.contains("/var/lib/citybrain"))
            #expect(container["image"] as? String == "citybrain:0.1.0")
            let security = try #require((((resource?["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])?["securityContext"] as? [String: Any])
            #expect(security["runAsUser"] as? Int == 10001)
        }
        // The fan-in finds each shard pod by its stable name: <StatefulSet>-<ordinal>.<headless service>.
        let fanInArgs = try #require(try Self.container(resources["Deployment/citybrain-fanin"])["args"] as? [String])
        let template = try #require(Self.argument("shard-endpoints", in: fanInArgs))
        let statefulSet = try #require(resources["StatefulSet/citybrain-shard"]?["spec"] as? [String: Any])
        let shardPorts = Self.ports(try Self.container(resources["StatefulSet/citybrain-shard"]))
        #expect(template.replacingOccurrences(of: "{shard}", with: "shard-0")
                == "tcp://citybrain-shard-0.\(statefulSet["serviceName"] as? String ?? ""):\(shardPorts["alerts"] ?? 0),"
                + "tcp://citybrain-shard-0.\(statefulSet["serviceName"] as? String ?? ""):\(shardPorts["catchup"] ?? 0)")
        // The keys the arguments name are in the Secret the pods mount.
        let secretKeys = Set(try #require(resources["Secret/citybrain-curve"]?["stringData"] as? [String: String]).keys)
        for value in fanInArgs + (try #require(try Self.container(resources["StatefulSet/citybrain-shard"])["args"] as? [String]))
        where value.contains("/etc/citybrain/keys/") {
            #expect(secretKeys.contains(String(value.split(separator: "/").last ?? "")), "\(value)")
        }
    }

    @Test("the pods' and the image's arguments start the real CLI (--dry-run, with the files they name)")
    func argumentsRunTheCLI() throws {
        let directory = try makeTemporaryDirectory("kubernetes-args")
        defer { removeTemporaryDirectory(directory) }
        let resources = try Self.resources()
        // The files the volumes would hold: the ConfigMaps' data, keys made by citybrain keygen.
        for (folder, configMap) in [("pipelines", "citybrain-pipelines"), ("shards", "citybrain-shard-plan")] {
            try FileManager.default.createDirectory(atPath: "\(directory)/etc/\(folder)", withIntermediateDirectories: true)
            for (name, text) in try #require(resources["ConfigMap/\(configMap)"]?["data"] as? [String: String]) {
                try text.write(toFile: "\(directory)/etc/\(folder)/\(name)", atomically: true, encoding: .utf8)
            }
        }
        try FileManager.default.createDirectory(atPath: directory + "/etc/keys", withIntermediateDirectories: true)
        for name in ["server", "fanin"] { #expect(try CommandRunner.run(["keygen", "--out", "\(directory)/etc/keys/\(name)"]).status == 0) }
        try FileManager.default.copyItem(atPath: "\(directory)/etc/keys/fanin.pub", toPath: "\(directory)/etc/keys/allowed.pub")
        let settings = try #require(resources["ConfigMap/citybrain-settings"]?["data"] as? [String: String])
        func localised(_ args: [String]) -> [String] {
            args.map {
                $0.replacingOccurrences(of: "/etc/citybrain/", with: "\(directory)/etc/")
                    .replacingOccurrences(of: "/var/lib/citybrain", with: "\(directory)/state")
                    .replacingOccurrences(of: "$(POD_NAME)", with: "citybrain-shard-2")
                    .replacingOccurrences(of: "$(CITYBRAIN_FEED)", with: settings["CITYBRAIN_FEED"] ?? "")
            }
        }
        let shard = try CommandRunner.run(localised(try #require(try Self.container(resources["StatefulSet/citybrain-shard"])["args"] as? [String])) + ["--dry-run"])
        #expect(shard.status == 0, "\(shard.stderr)")
        #expect(shard.stdout.contains("shard shard-2 of 3"), "\(shard.stdout)")
        #expect(shard.stdout.contains("CURVE with 1 allowed key(s)"))
        let fanIn = try CommandRunner.run(localised(try #require(try Self.container(resources["Deployment/citybrain-fanin"])["args"] as? [String])) + ["--dry-run"])
        #expect(fanIn.status == 0, "\(fanIn.stderr)")
        #expect(fanIn.stdout.contains("fan-in of 3 shard(s): shard-0 (tcp://citybrain-shard-0.citybrain-shards:5557"), "\(fanIn.stdout)")
        // The image's default command, too.
        let containerfile = try String(contentsOfFile: Self.deploy + "/Containerfile", encoding: .utf8).replacingOccurrences(of: "\\\n", with: "")
        let cmd = try #require(containerfile.split(separator: "\n").first { $0.hasPrefix("CMD ") })
        let imageArgs = try #require(try JSONSerialization.jsonObject(with: Data(cmd.dropFirst(4).utf8)) as? [String])
        let image = try CommandRunner.run(localised(imageArgs) + ["--dry-run"])
        #expect(image.status == 0, "\(image.stderr)")
        #expect(image.stdout.hasPrefix("ok: pipeline"))
        // And a pod that is not a shard of the plan is refused with the reason.
        let extra = try CommandRunner.run(localised(try #require(try Self.container(resources["StatefulSet/citybrain-shard"])["args"] as? [String]))
            .map { $0.replacingOccurrences(of: "citybrain-shard-2", with: "citybrain-shard-3") } + ["--dry-run"])
        #expect(extra.status == 64)
        #expect(extra.stderr.contains("'citybrain-shard-3' is not a shard of"))
    }
}
