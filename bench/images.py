"""Images sent through the form without JavaScript: peak memory of cleaning and sealing one.

    .venv/bin/python bench/images.py            # every case
    .venv/bin/python bench/images.py --quick    # the same (each case is one run)

Each case runs in a fresh process, which builds the file, then measures how far its peak
resident memory (ru_maxrss) rises while `reporting.services.seal_file` strips and seals it:
what the no-JavaScript form does with each uploaded file. docs/performance.md records the
figures. The review's bomb (an 8944×8944 PNG of 227 KiB) rose 861 MiB when the pixel cap
was 80 MP; above the cap (24 MP) an image is kept as sent and never decoded.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
sys.path.insert(0, str(ROOT))

CASES = {
    "bomb: PNG 8944x8944 RGBA (80 MP), one colour": ("PNG", "RGBA", 8944, 8944),
    "largest decoded: PNG 4896x4896 RGB (24 MP)": ("PNG", "RGB", 4896, 4896),
    "phone photo: JPEG 4032x3024 RGB (12 MP)": ("JPEG", "RGB", 4032, 3024),
}


def _make(fmt: str, mode: str, width: int, height: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, (width, height), 128 if mode == "L" else (120, 80, 40)).save(out, format=fmt)
    return out.getvalue()


def _peak_mib() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from the
    parent across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def child(name: str, path: str) -> None:
    from crypto import keywrap
    from reporting import services

    fmt, _mode, _width, _height = CASES[name]
    data = Path(path).read_bytes()
    kind = "image/png" if fmt == "PNG" else "image/jpeg"
    recipients = [keywrap.generate_key_pair()[1] for _ in range(2)]

    class Org:  # what intake.context needs of an organisation
        public_id = uuid.uuid4()

    upload = services.Upload("bilde", kind, data)
    del data
    before = _peak_mib()
    sealed = services.seal_file(upload, recipients, Org(), uuid.uuid4())  # type: ignore[arg-type]
    print(json.dumps({"size_kib": len(upload.data) / 1024, "rise_mib": _peak_mib() - before,
                      "stripped": sealed.stripped}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    print(f"{'case':<46} {'file':>10} {'peak rise':>10}  decoded")
    folder = Path(tempfile.mkdtemp(prefix="trygg-bench-images-"))
    for index, (name, spec) in enumerate(CASES.items()):
        path = folder / f"{index}.img"
        path.write_bytes(_make(*spec))
        out = subprocess.run([sys.executable, __file__, "--child", name, str(path)],
                             check=True, capture_output=True, text=True, cwd=ROOT).stdout
        path.unlink()
        figure = json.loads(out)
        print(f"{name:<46} {figure['size_kib']:>7.0f} KiB {figure['rise_mib']:>6.0f} MiB"
              f"  {'yes' if figure['stripped'] else 'no (kept as sent)'}")


if __name__ == "__main__":
    main()
