"""`pixbench code` runs: its curl, Python and JavaScript make the requests `pixbench run` makes.

For each request below, `pixbench run` sends it to the strict Sandbox and the requests the
server saw are recorded (GET /__sim/requests); then the code `pixbench code` prints for the
same flags runs, in each language, against a fresh simulator state, and the server must see
the same requests: path, model, prompt, size, n, every other field and the number of image
parts. The JavaScript is also type-checked (tsc --checkJs --strict). Run through run.sh.
"""

import json
import os
import shutil
import struct
import subprocess
import sys
import urllib.request
import zlib
from pathlib import Path

import pytest

BASE = os.environ["PIXAPI_SIM_URL"]
KEY = os.environ.get("PIXAPI_SIM_KEY", "sk_test_1")
PIXBENCH = os.environ.get("PIXBENCH_BIN")
JS_DIR = os.environ.get("PIXBENCH_SDK_JS")

pytestmark = pytest.mark.skipif(not PIXBENCH or not JS_DIR, reason="needs PIXBENCH_BIN and PIXBENCH_SDK_JS (run.sh)")


def admin(method, path):
    req = urllib.request.Request(BASE + path, data=b"{}" if method == "POST" else None, method=method)
    req.add_header("content-type", "application/json")
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def png(path, rgb):
    """A small valid PNG, one colour."""
    w = h = 64
    raw = b"".join(b"\x00" + bytes(rgb) * w for _ in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


def seen():
    """The image requests the server saw since the reset, each as what must match."""
    out = []
    for r in admin("GET", "/__sim/requests")["requests"]:
        if r["method"] != "POST" or not r["path"].startswith("/v1/"):
            continue
        assert r["status"] < 300, r
        body = dict(r["body"] or {})
        images = 0
        for key in ("image", "image[]"):
            v = body.pop(key, None)
            if v is not None:
                images += len(v) if isinstance(v, list) else 1
        fields = {k: str(v) for k, v in body.items()}
        out.append((r["path"], json.dumps(fields, sort_keys=True), images))
    return sorted(out)


def env():
    e = dict(os.environ, PIXAPI_KEY=KEY)
    e.pop("PIXAPI_BASE_URL", None)
    return e


def pixbench(tmp, *args):
    cmd = [PIXBENCH, "--data-dir", str(tmp / "data"), "--base-url", BASE, "--quiet", *args]
    return subprocess.run(cmd, env=env(), capture_output=True, text=True, timeout=300, check=True).stdout


def run_code(tmp, lang, code):
    work = tmp / f"out-{lang}"
    work.mkdir()
    if lang == "curl":
        script = work / "code.sh"
        script.write_text(code)
        cmd = ["sh", str(script)]
    elif lang == "python":
        script = work / "code.py"
        script.write_text(code)
        cmd = [sys.executable, str(script)]
    else:
        # Beside the pinned node_modules, so `import OpenAI from "openai"` resolves.
        gen = Path(JS_DIR) / "gen"
        gen.mkdir(exist_ok=True)
        script = gen / f"code-{tmp.name}.mjs"
        script.write_text(code)
        tsc = Path(JS_DIR) / "node_modules" / ".bin" / "tsc"
        check = subprocess.run(
            [str(tsc), "--noEmit", "--allowJs", "--checkJs", "--strict", "--skipLibCheck", "--target", "es2022",
             "--module", "nodenext", "--moduleResolution", "nodenext", "--types", "node", str(script)],
            capture_output=True, text=True, cwd=JS_DIR,
        )
        assert check.returncode == 0, check.stdout + check.stderr + "\n" + code
        cmd = ["node", str(script)]
    try:
        p = subprocess.run(cmd, env=env(), cwd=work, capture_output=True, text=True, timeout=120)
    finally:
        if lang == "js":
            script.unlink()
    assert p.returncode == 0, f"{lang}: {p.stderr}\n{code}"
    return work


CASES = {
    "two targets with quality": ["--model", "gpt-image-2", "--prompt", "a fox's \"den\" at dawn", "--quality", "high",
                                 "--sweep", "size=1024x1024,1536x1024", "--sync"],
    "edit with two references": ["--model", "gemini-3.1-flash-image-preview", "--prompt", "make it a poster",
                                 "--image", "{a}", "--image", "{b}", "--sync"],
    "async": ["--model", "gemini-3.1-flash-image-preview", "--prompt", "a lighthouse", "-n", "2", "--async"],
}


@pytest.mark.parametrize("case", list(CASES))
def test_generated_code_sends_what_the_app_sends(tmp_path, case):
    a = png(tmp_path / "a.png", (200, 40, 40))
    b = png(tmp_path / "b.png", (40, 40, 200))
    flags = [f.format(a=a, b=b) for f in CASES[case]]
    admin("POST", "/__sim/reset")
    pixbench(tmp_path, "run", *flags)
    want = seen()
    assert want, "the app sent nothing"
    code_flags = [f for f in flags if f not in ("--sync",)]
    for lang in ("curl", "python", "js"):
        code = pixbench(tmp_path, "code", "--lang", lang, *code_flags)
        assert KEY not in code, "a key is never written into code"
        admin("POST", "/__sim/reset")
        work = run_code(tmp_path, lang, code)
        assert seen() == want, f"{lang} sent other requests than the app:\n{code}"
        if lang != "curl":
            assert list(work.glob("pixbench-*.png")), f"{lang} wrote no image"
