#!/usr/bin/env python3
"""Validates CityBrain's message contract with standard tools from PyPI.

1. docs/asyncapi.yaml against the AsyncAPI 3.0 specification (pydantic-asyncapi);
2. every example in it, and every JSON example in the given Markdown files, against the payload
   schemas under docs/schemas (jsonschema, Draft 7);
3. the lines of each `--lines SCHEMA FILE` pair (at most 3 000, spread over the file): what the
   encoders really wrote.

Exit status 0 when everything validates; 1 with one line per problem otherwise.

    validate.py docs/asyncapi.yaml [--docs FILE.md ...] [--lines alert out.jsonl ...]
"""
import json
import pathlib
import re
import sys

import yaml
from jsonschema import Draft7Validator
from pydantic_asyncapi import AsyncAPI
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

problems = []


def load_schemas(directory):
    """Every schema under docs/schemas, by file name, in a registry that resolves their $refs."""
    schemas = {path.name: json.loads(path.read_text()) for path in sorted(directory.glob("*.schema.json"))}
    registry = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema, default_specification=DRAFT7)) for schema in schemas.values())
    for name, schema in schemas.items():
        Draft7Validator.check_schema(schema)
    return schemas, registry


def validator(schema, registry):
    return Draft7Validator(schema, registry=registry)


def check(value, schema, registry, where):
    for error in sorted(validator(schema, registry).iter_errors(value), key=str):
        path = "/".join(str(part) for part in error.absolute_path)
        problems.append(f"{where}: {error.message} (at /{path})")


def main(arguments):
    document_path = pathlib.Path(arguments[0])
    document = yaml.safe_load(document_path.read_text())
    valid = True
    try:
        AsyncAPI.model_validate(document)
    except Exception as error:  # pydantic's ValidationError lists every problem
        valid = False
        problems.append(f"{document_path}: not a valid AsyncAPI document: {error}")
    if document.get("asyncapi") != "3.0.0":
        problems.append(f"{document_path}: asyncapi is {document.get('asyncapi')!r}, expected '3.0.0'")
    schemas, registry = load_schemas(document_path.parent / "schemas")

    def payload_schema(message):
        payload = message.get("payload", {})
        reference = payload.get("$ref")
        if reference is None:
            return payload
        name = pathlib.PurePosixPath(reference).name
        if name not in schemas:
            problems.append(f"{document_path}: message {message.get('name')} refers to {reference}, which does not exist")
            return {}
        return schemas[name]

    messages = document["components"]["messages"]
    examples = 0
    for name, message in messages.items():
        schema = payload_schema(message)
        for example in message.get("examples", []):
            check(example["payload"], schema, registry, f"{document_path}: example {example.get('name')} of {name}")
            examples += 1
    # Every channel's message is a component; every operation's channel exists.
    for channel_name, channel in document["channels"].items():
        for key, reference in channel.get("messages", {}).items():
            target = reference["$ref"].split("/")[-1]
            if target not in messages:
                problems.append(f"{document_path}: channel {channel_name} names message {target}, which is not defined")
    for operation_name, operation in document["operations"].items():
        target = operation["channel"]["$ref"].split("/")[-1]
        if target not in document["channels"]:
            problems.append(f"{document_path}: operation {operation_name} names channel {target}, which is not defined")

    index = 1
    documents = 0
    while index < len(arguments):
        flag = arguments[index]
        if flag == "--docs":
            index += 1
            while index < len(arguments) and not arguments[index].startswith("--"):
                documents += check_markdown(pathlib.Path(arguments[index]), schemas, registry)
                index += 1
        elif flag == "--lines":
            schema_name, path = arguments[index + 1], pathlib.Path(arguments[index + 2])
            lines = [line for line in path.read_text().splitlines() if line.strip()]
            if not lines:
                problems.append(f"{path}: no lines to validate")
            step = max(1, len(lines) // 3000)
            for number in range(0, len(lines), step):
                check(json.loads(lines[number]), schemas[f"{schema_name}.schema.json"], registry, f"{path}:{number + 1}")
            print(f"{path}: {len(range(0, len(lines), step))} of {len(lines)} line(s) checked against {schema_name}")
            index += 3
        else:
            problems.append(f"unknown argument {flag}")
            index += 1

    verdict = f"valid AsyncAPI {document.get('asyncapi')}" if valid else "NOT a valid AsyncAPI document"
    print(f"{document_path}: {verdict}; {examples} example(s) and {documents} documentation example(s) checked")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


def check_markdown(path, schemas, registry):
    """The JSON examples of a Markdown file: each ```json block, as one value or one per line,
    checked against the schema its shape names (an event, an alert, a SenML pack)."""
    checked = 0
    for block in re.findall(r"```json\n(.*?)```", path.read_text(), re.S):
        try:
            values = [json.loads(block)]
        except json.JSONDecodeError:
            try:
                values = [json.loads(line) for line in block.splitlines() if line.strip()]
            except json.JSONDecodeError as error:
                problems.append(f"{path}: a JSON example does not parse: {error}: {block[:80]!r}")
                continue
        for value in values:
            if isinstance(value, list) and value and isinstance(value[0], dict) and ("bn" in value[0] or "n" in value[0]):
                schema = "senml-pack"
            elif isinstance(value, dict) and "rule" in value and "state" in value:
                schema = "alert"
            elif isinstance(value, dict) and {"kind", "sensor", "ts"} <= value.keys():
                schema = "event"
            else:
                continue
            check(value, schemas[f"{schema}.schema.json"], registry, f"{path}: {schema} example")
            checked += 1
    return checked


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
