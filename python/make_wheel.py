"""Builds the parley wheel with the standard library only (zipfile).

  make_wheel.py --out parley-V-py3-none-linux_x86_64.whl --version V \
      (--lib libparley.so.1 | --lib-candidates FILE... --) --header parley.h --package-root DIR FILE...

FILEs are the package's .py files (their path below --package-root is their
path in the wheel). The shared library goes in as parley/_lib/libparley.so.1
and the header as parley/include/parley.h (cffi reads its declarations from
there). Entries have fixed timestamps, so the same inputs give the same
bytes.
"""
import argparse
import base64
import hashlib
import os
import zipfile

TAG = "py3-none-linux_x86_64"
EPOCH = (1980, 1, 1, 0, 0, 0)


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
    return "%s,sha256=%s,%d" % (name, digest.rstrip(b"=").decode(), len(data))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--lib", help="the shared library")
    ap.add_argument("--lib-candidates", nargs="*", default=[],
                    help="files of the library target; the libparley.so.N")
    ap.add_argument("--header", required=True)
    ap.add_argument("--package-root", required=True)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    if a.lib is None:
        libs = [p for p in a.lib_candidates
                if os.path.basename(p).startswith("libparley.so")]
        if len(libs) != 1:
            raise SystemExit("make_wheel: no single libparley.so in %s"
                             % a.lib_candidates)
        a.lib = libs[0]

    entries = []   # (name in the wheel, bytes, mode)
    for path in sorted(a.files):
        rel = os.path.relpath(path, a.package_root).replace(os.sep, "/")
        if not rel.startswith("parley/"):
            raise SystemExit("make_wheel: %s is not below parley/" % path)
        with open(path, "rb") as f:
            entries.append((rel, f.read(), 0o644))
    with open(a.header, "rb") as f:
        entries.append(("parley/include/parley.h", f.read(), 0o644))
    with open(a.lib, "rb") as f:
        entries.append(("parley/_lib/libparley.so.1", f.read(), 0o755))

    dist = "parley-%s.dist-info" % a.version
    metadata = "\n".join([
        "Metadata-Version: 2.1",
        "Name: parley",
        "Version: %s" % a.version,
        "Summary: The original chat storage module's functions on JSON "
        "files, SQLite or PostgreSQL (Parley's C ABI through cffi)",
        "Requires-Python: >=3.8",
        "Requires-Dist: cffi>=1.12",
        "", ""]).encode()
    wheel = "\n".join([
        "Wheel-Version: 1.0",
        "Generator: parley make_wheel.py",
        "Root-Is-Purelib: false",
        "Tag: %s" % TAG,
        "", ""]).encode()
    entries.append((dist + "/METADATA", metadata, 0o644))
    entries.append((dist + "/WHEEL", wheel, 0o644))
    entries.append((dist + "/top_level.txt", b"parley\n", 0o644))
    record = [_record_line(n, d) for n, d, _ in entries]
    record.append(dist + "/RECORD,,")
    entries.append((dist + "/RECORD", ("\n".join(record) + "\n").encode(),
                    0o644))

    with zipfile.ZipFile(a.out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name, EPOCH)
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)


if __name__ == "__main__":
    main()
