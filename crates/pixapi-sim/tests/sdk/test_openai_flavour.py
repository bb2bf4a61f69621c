"""The Sandbox's OpenAI flavour and Pixbench's `openai` gateway preset, held to OpenAI's
published OpenAPI spec (tests/spec/openai-images.yml, a trimmed copy): the official SDK
works against the flavour and its answers validate as ImagesResponse; every request the
Pixbench CLI sends through the preset validates as CreateImageRequest or
CreateImageEditRequest, with no field the spec does not define (run through run.sh)."""

import base64
import copy
import json
import os
import subprocess
import urllib.request

import jsonschema
import openai
import pytest
import yaml

from test_openai_sdk import png_size, solid_png

BASE = os.environ["PIXAPI_SIM_OPENAI_URL"]
KEY = "sk_test_1"
SPEC = yaml.safe_load(open(os.environ["OPENAI_SPEC"]))
PIXBENCH = os.environ["PIXBENCH_BIN"]


def schema(name, closed=False):
    """The spec's schema `name`, its $refs resolved inside the spec; `closed`: no other field."""
    components = copy.deepcopy(SPEC["components"])
    if closed:
        components["schemas"][name]["additionalProperties"] = False
    return {"$ref": f"#/components/schemas/{name}", "components": components}


def validate(instance, name, closed=False):
    jsonschema.Draft202012Validator(schema(name, closed)).validate(instance)


def admin(method, path):
    req = urllib.request.Request(BASE + path, method=method)
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def as_spec_body(record):
    """A recorded request body as the spec's schema types it: multipart text fields are
    strings on the wire, `image[]` is the spec's `image` array."""
    body = dict(record["body"])
    props = SPEC["components"]["schemas"]["CreateImageEditRequest"]["properties"]
    if "image[]" in body:
        parts = body.pop("image[]")
        body["image"] = parts if isinstance(parts, list) else [parts]
    for k, v in list(body.items()):
        t = props.get(k, {}).get("type")
        if isinstance(v, str) and t == "integer":
            body[k] = int(v)
        elif isinstance(v, str) and t == "boolean":
            body[k] = v == "true"
    return body


def sdk():
    return openai.OpenAI(base_url=BASE + "/v1", api_key=KEY, max_retries=0, timeout=60)


def test_the_spec_refuses_a_body_it_does_not_define():
    # The validation itself can fail: a Pixapi-only field, a size OpenAI does not list.
    with pytest.raises(jsonschema.ValidationError):
        validate({"prompt": "x", "aspect_ratio": "16:9"}, "CreateImageRequest", closed=True)
    with pytest.raises(jsonschema.ValidationError):
        validate({"prompt": "x", "size": "2048x2048"}, "CreateImageRequest")


def test_the_sdk_generates_and_the_answer_is_an_images_response():
    raw = sdk().images.with_raw_response.generate(
        model="gpt-image-1", prompt="a red kite", size="1536x1024", quality="low", n=2
    )
    answer = json.loads(raw.http_response.text)
    validate(answer, "ImagesResponse")
    assert [png_size(base64.b64decode(d["b64_json"])) for d in answer["data"]] == [(1536, 1024)] * 2
    assert answer["usage"]["output_tokens"] == 2 * 400


def test_the_sdk_edits_with_two_images_as_image_brackets():
    before = admin("GET", "/__sim/state")["charged_usd_micros"]
    img = sdk().images.edit(
        model="gpt-image-1-mini",
        prompt="make it night",
        image=[("a.png", solid_png(32, 32, (200, 20, 20)), "image/png"), ("b.png", solid_png(32, 32, (20, 20, 200)), "image/png")],
    )
    assert img.usage.input_tokens_details.image_tokens == 2 * 258
    rec = admin("GET", "/__sim/requests")["requests"][-1]
    assert len(rec["body"]["image[]"]) == 2, rec["body"]
    validate(as_spec_body(rec), "CreateImageEditRequest", closed=True)
    assert admin("GET", "/__sim/state")["charged_usd_micros"] > before


def test_pixbenchs_openai_preset_sends_only_what_the_spec_defines(tmp_path):
    env = dict(os.environ, PIXAPI_KEY=KEY, PIXBENCH_DATA_DIR=str(tmp_path / "data"))
    env.pop("OPENAI_API_KEY", None)
    ref = tmp_path / "ref.png"
    ref.write_bytes(solid_png(48, 48, (10, 120, 10)))
    common = ["--gateway", "openai", "--base-url", BASE, "--json", "-q"]
    runs = [
        ["run", "-p", "a fox", "-m", "openai-gpt-image-1", "--aspect-ratio", "2:3", "--quality", "high"],
        ["run", "-p", "a fox", "-m", "gpt-image-1.5", "-n", "2", "--field", "output_format=webp", "--field", "background=opaque"],
        ["run", "-p", "the fox at night", "-m", "gpt-image-1-mini", "--image", str(ref), "--image", str(ref), "--quality", "low"],
    ]
    start = len(admin("GET", "/__sim/requests")["requests"])
    charged = admin("GET", "/__sim/state")["charged_usd_micros"]
    total_usd = 0.0
    for args in runs:
        out = subprocess.run([PIXBENCH, *common, *args], env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        report = json.loads(out.stdout)
        total_usd += report["usd"]
    sent = [r for r in admin("GET", "/__sim/requests")["requests"][start:] if r["path"].startswith("/v1/images/")]
    assert [r["path"] for r in sent] == ["/v1/images/generations"] * 2 + ["/v1/images/edits"]
    assert all(r["status"] == 200 for r in sent), sent
    validate(sent[0]["body"], "CreateImageRequest", closed=True)
    validate(sent[1]["body"], "CreateImageRequest", closed=True)
    validate(as_spec_body(sent[2]), "CreateImageEditRequest", closed=True)
    assert sent[0]["body"]["size"] == "1024x1536" and sent[0]["body"]["quality"] == "high"
    assert sent[1]["body"]["model"] == "gpt-image-1.5"
    # Billed in dollars by the answers' usage: the CLI's total is what the server charged.
    spent = admin("GET", "/__sim/state")["charged_usd_micros"] - charged
    assert round(total_usd * 1e6) == spent, (total_usd, spent)
