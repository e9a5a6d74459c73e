import CityBrainCore
import Foundation
import Testing

@Suite("docs/pipeline.schema.json")
struct PipelineSchemaTests {
    let schema: [String: Any]

    init() throws {
        let url = PipelineLoaderTests.repositoryRoot.appendingPathComponent("docs/pipeline.schema.json")
        schema = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    func properties(_ object: Any?) -> Set<String> {
        Set(((object as? [String: Any])?["properties"] as? [String: Any])?.keys.map { $0 } ?? [])
    }

    @Test("describes exactly the fields the loader accepts, kind by kind")
    func matchesLoader() throws {
        #expect(properties(schema) == Set(PipelineVocabulary.topLevelFields))
        let top = try #require(schema["properties"] as? [String: Any])
        let rules = try #require(((top["rules"] as? [String: Any])?["items"] as? [String: Any])?["oneOf"] as? [[String: Any]])
        #expect(Set(rules.compactMap { $0["title"] as? String }) == Set(PipelineVocabulary.ruleKinds))
        for rule in rules {
            let kind = try #require(rule["title"] as? String)
            let expected = kind == "correlation"
                ? Set(PipelineVocabulary.correlationFields)
                : Set(PipelineVocabulary.commonRuleFields + (PipelineVocabulary.kindFields[kind] ?? []))
            #expect(properties(rule) == expected, "rule kind \(kind)")
            #expect(rule["additionalProperties"] as? Bool == false)
        }
        #expect(properties((top["outputs"] as? [String: Any])?["items"]) == Set(PipelineVocabulary.outputFields))
    }
}
