"""pixapi-sim against the official OpenAI Python SDK (run through run.sh)."""

import base64
import json
import os
import struct
import urllib.request
import zlib

import openai
import pytest

BASE = os.environ["PIXAPI_SIM_URL"]
KEY = os.environ.get("PIXAPI_SIM_KEY", "sk_test_1")
PNG_SIG = b"\x89PNG\r\n\x1a\n"

# The canonical ids (docs/CONTRACT.md "The wire form"): every request below sends one of them
# (or a documented alias) with a documented size. The simulator is strict by default.
FLASH = "gemini-3.1-flash-image-preview"
PRO = "gemini-3-pro-image-preview"
LITE = "gemini-3.1-flash-lite-image"


def client(key=KEY):
    return openai.OpenAI(base_url=BASE + "/v1", api_key=key, max_retries=0, timeout=60)


def admin(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("content-type", "application/json")
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def last_request():
    return admin("GET", "/__sim/requests")["requests"][-1]


def png_size(png):
    assert png[:8] == PNG_SIG, "not a PNG"
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def solid_png(w, h, rgb):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + bytes(rgb) * w for _ in range(h))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return PNG_SIG + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@pytest.fixture(autouse=True)
def fresh_sim():
    admin("POST", "/__sim/reset")
    yield


def test_generate_b64_json_n2():
    r = client().images.generate(
        model=FLASH, prompt="a red fox in snow", n=2, size="1024x1024", response_format="b64_json"
    )
    assert len(r.data) == 2
    pngs = [base64.b64decode(d.b64_json) for d in r.data]
    assert all(png_size(p) == (1024, 1024) for p in pngs)
    assert pngs[0] != pngs[1]
    assert admin("GET", "/__sim/state")["charged"] == 8
    # The SDK sends only documented fields.
    assert last_request()["unknown_fields"] == []


def test_generate_url_n2_downloads():
    # 2K through `size`, not a suffixed id (the async example of the 3.1 Flash docs).
    r = client().images.generate(
        model=FLASH, prompt="a lighthouse", n=2, size="2048x2048", response_format="url"
    )
    assert len(r.data) == 2
    seen = []
    for d in r.data:
        assert d.url.startswith(BASE + "/files/")
        with urllib.request.urlopen(d.url) as resp:
            assert resp.headers["content-type"] == "image/png"
            png = resp.read()
        assert png_size(png) == (2048, 2048)
        seen.append(png)
    assert seen[0] != seen[1]
    assert admin("GET", "/__sim/state")["charged"] == 12


def test_generate_with_size_on_the_alias():
    # A documented alias and a documented size; delivered exactly, billed as 2K (1.57 MP).
    r = client().images.generate(model="nano-banana-2", prompt="a boat", size="1536x1024")
    png = base64.b64decode(r.data[0].b64_json)
    assert png_size(png) == (1536, 1024)
    assert admin("GET", "/__sim/state")["charged"] == 6


def test_generate_keyword_4k_and_pro_4k_by_size():
    r = client().images.generate(model=FLASH, prompt="big", size="4K")
    assert png_size(base64.b64decode(r.data[0].b64_json)) == (4096, 4096)
    r = client().images.generate(model=PRO, prompt="wide", size="3840x2160")
    assert png_size(base64.b64decode(r.data[0].b64_json)) == (3840, 2160)
    assert admin("GET", "/__sim/state")["charged"] == 8 + 16


def test_gpt_image_2_quality_low_and_high():
    for quality, credits in [("low", 1), ("high", 14)]:
        admin("POST", "/__sim/reset")
        r = client().images.generate(
            model="gpt-image-2", prompt="a kite", size="1536x1024", quality=quality
        )
        assert png_size(base64.b64decode(r.data[0].b64_json)) == (1536, 1024)
        assert admin("GET", "/__sim/state")["charged"] == credits
        assert last_request()["unknown_fields"] == []


def test_gpt_image_2_output_format_jpeg_and_webp():
    # The SDK's own output_format / output_compression parameters; the bytes are that format.
    r = client().images.generate(
        model="gpt-image-2", prompt="a kite", quality="low", output_format="jpeg", output_compression=60
    )
    assert base64.b64decode(r.data[0].b64_json)[:3] == b"\xff\xd8\xff"
    r = client().images.generate(model="gpt-image-2", prompt="a kite", quality="low", output_format="webp")
    webp = base64.b64decode(r.data[0].b64_json)
    assert webp[:4] == b"RIFF" and webp[8:12] == b"WEBP"
    assert last_request()["unknown_fields"] == []


def test_edit_with_two_images():
    red = solid_png(32, 32, (255, 0, 0))
    blue = solid_png(32, 32, (0, 0, 255))
    r = client().images.edit(
        model=FLASH,
        image=[("red.png", red, "image/png"), ("blue.png", blue, "image/png")],
        prompt="blend them",
        n=2,
        size="1024x1024",
        response_format="b64_json",
    )
    assert len(r.data) == 2
    pngs = [base64.b64decode(d.b64_json) for d in r.data]
    assert all(png_size(p) == (1024, 1024) for p in pngs)
    rec = last_request()
    # Several images go as `image[]` parts, the form the SDK sends.
    assert rec["fields"].count("image[]") == 2, rec["fields"]
    assert rec["unknown_fields"] == []
    plain = client().images.generate(model=FLASH, prompt="blend them", size="1024x1024")
    assert base64.b64decode(plain.data[0].b64_json) != pngs[0], "edit must use its references"
    assert admin("GET", "/__sim/state")["charged"] == 8 + 4


def test_edit_with_one_image_by_url():
    r = client().images.edit(
        model=FLASH,
        image=("one.png", solid_png(8, 8, (0, 255, 0)), "image/png"),
        prompt="green",
        size="1024x1024",
        response_format="url",
    )
    with urllib.request.urlopen(r.data[0].url) as resp:
        assert png_size(resp.read()) == (1024, 1024)
    rec = last_request()
    assert rec["fields"].count("image") == 1, rec["fields"]
    assert rec["unknown_fields"] == []


def test_lite_takes_a_ratio_as_size_and_an_image_url_in_json():
    # Nano Banana 2 Lite's page: `size` is an output aspect ratio, `image` an input image URL.
    r = client().images.generate(model=LITE, prompt="a thumbnail", size="16:9")
    assert png_size(base64.b64decode(r.data[0].b64_json)) == (1376, 768)
    data_url = "data:image/png;base64," + base64.b64encode(solid_png(8, 8, (0, 0, 255))).decode()
    edited = client().post(
        "/images/edits",
        body={"model": LITE, "prompt": "bluer", "size": "1:1", "image": data_url},
        cast_to=openai.types.ImagesResponse,
    )
    assert png_size(base64.b64decode(edited.data[0].b64_json)) == (1024, 1024)
    assert last_request()["unknown_fields"] == []
    assert admin("GET", "/__sim/state")["charged"] == 2 + 2
    # The SDK's own images.edit uploads a file part, which Lite's page does not document.
    with pytest.raises(openai.BadRequestError):
        client().images.edit(model=LITE, image=("a.png", solid_png(8, 8, (0, 0, 255)), "image/png"), prompt="x")


def test_bad_key_is_authentication_error():
    with pytest.raises(openai.AuthenticationError) as e:
        client("sk_wrong").images.generate(model=FLASH, prompt="p", size="1024x1024")
    assert e.value.status_code == 401
    assert e.value.body["code"] == "unauthorized"
    assert e.value.body["message"] == "Invalid API key."
    assert e.value.body["request_id"].startswith("req_")
    with pytest.raises(openai.AuthenticationError):
        client("sk_wrong").models.list()


def test_unknown_model_is_not_found():
    with pytest.raises(openai.NotFoundError) as e:
        client().images.generate(model="no-such-model", prompt="p", size="1024x1024")
    assert e.value.status_code == 404
    assert e.value.body["code"] == "model_not_found"


def test_suffixed_price_table_id_is_not_found():
    # Not a documented model id: the simulator must refuse what the client must not send.
    with pytest.raises(openai.NotFoundError) as e:
        client().images.generate(model=FLASH + "-2k", prompt="p")
    assert e.value.body["code"] == "model_not_found"
    assert admin("GET", "/__sim/state")["charged"] == 0


def test_undocumented_size_is_bad_request():
    with pytest.raises(openai.BadRequestError) as e:
        client().images.generate(model=FLASH, prompt="p", size="1K")
    assert e.value.body["param"] == "size"


def test_aspect_ratio_is_ignored():
    r = client().images.generate(
        model=FLASH, prompt="p", size="1024x1024", extra_body={"aspect_ratio": "16:9"}
    )
    assert png_size(base64.b64decode(r.data[0].b64_json)) == (1024, 1024)
    assert last_request()["unknown_fields"] == ["aspect_ratio"]


def test_invalid_n_is_bad_request():
    with pytest.raises(openai.BadRequestError) as e:
        client().images.generate(model=FLASH, prompt="p", size="1024x1024", n=11)
    assert e.value.body["param"] == "n"


def test_insufficient_credits_is_402_and_free():
    admin("POST", "/__sim/state", {"balance": 3})
    with pytest.raises(openai.APIStatusError) as e:
        client().images.generate(model=FLASH, prompt="p", size="1024x1024")
    assert e.value.status_code == 402
    assert e.value.body["code"] == "insufficient_credits"
    assert e.value.request_id and e.value.request_id.startswith("req_")
    state = admin("GET", "/__sim/state")
    assert (state["balance"], state["charged"]) == (3, 0)


def test_models_list():
    ids = {m.id for m in client().models.list()}
    assert ids == {
        FLASH,
        "nano-banana-2",
        PRO,
        "nano-banana-pro",
        "gemini-2.5-flash-image",
        "nano-banana",
        LITE,
        "gpt-image-1.5",
        "gpt-image-2",
    }
