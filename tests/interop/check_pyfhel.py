#!/usr/bin/env python3
"""Checks our objects with Pyfhel 3.5.0 (native Microsoft SEAL 4.1.2), per tests/interop/FORMAT.md
("ours-for-<oracle>"): reads VECDIR/ours-for-pyfhel/<set>/ and the oracle's own objects from
VECDIR/pyfhel/<set>/ (written by gen_pyfhel.py).

    .venv/bin/python tests/interop/check_pyfhel.py VECDIR [--allow-missing]
    .venv/bin/python tests/interop/check_pyfhel.py --self-test

Checks per set (one output line each):
  parms.none.bin                       loads into SEAL; re-saved it equals the oracle's parms.none.bin
  ct_pk.none.bin                       decrypts with the oracle's secret key to ct_pk.values.f64
  ct_sym.seeded.{none,zstd}.bin        same, with ct_sym.values.f64; the none file must be seeded
  own/public_key.none.bin              loads; Pyfhel encrypts with it, our own/secret_key decrypts
  own/ct.none.bin                      decrypts with our own/secret_key.none.bin to own/ct.values.f64
The error bound is FORMAT.md's 2^-20, relaxed to 2^20/scale for scales below 2^40 (fresh
encryption noise is about 2^14/scale, so 2^-20 cannot hold at scale 2^30); a stricter
"max_abs_error" in <stem>.bound.json next to the values file is honoured.
The last line is exactly "N passed, M failed"; the exit status is non-zero on any failure or
when no set was found. --self-test fabricates the "ours" files with Pyfhel itself in a temporary
directory, checks them (all must pass), corrupts one ciphertext and checks that exactly that one
is reported failed.
"""
from __future__ import annotations

import argparse
import json
import shutil
import struct
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_pyfhel as G  # noqa: E402  (also checks that Pyfhel imports)
from Pyfhel import PyCtxt  # noqa: E402

OURS = "ours-for-pyfhel"


class Results:
    def __init__(self, echo: bool = True, prefix: str = ""):
        self.items: list[tuple[str, bool, str]] = []
        self.echo = echo
        self.prefix = prefix

    def add(self, name: str, ok: bool, msg: str) -> None:
        self.items.append((name, ok, msg))
        if self.echo:
            print(f"{self.prefix}{'PASS' if ok else 'FAIL'} {name}: {msg}", flush=True)

    def skip(self, name: str, msg: str) -> None:
        if self.echo:
            print(f"{self.prefix}SKIP {name}: {msg}", flush=True)

    @property
    def passed(self) -> int:
        return sum(ok for _, ok, _ in self.items)

    @property
    def failed(self) -> int:
        return sum(not ok for _, ok, _ in self.items)


def _values(path: Path, n: int) -> np.ndarray:
    """Real values, or interleaved complex when there are more doubles than slots."""
    raw = G.read_f64(path)
    if raw.size > n // 2:
        if raw.size % 2 or raw.size // 2 > n // 2:
            raise G.GenError(f"{path.name}: {raw.size} doubles do not fit {n // 2} slots")
        return raw.view("<c16").copy()
    return raw


def _decrypt_error(he, ct_bytes: bytes, values: np.ndarray) -> tuple[float, float]:
    ct = PyCtxt(pyfhel=he, bytestring=ct_bytes)
    if np.iscomplexobj(values):
        got = he.decryptComplex(ct)[: values.size]
    else:
        got = he.decryptFrac(ct)[: values.size]
    if not np.all(np.isfinite(got)):
        return float("inf"), ct.scale
    return float(np.max(np.abs(got - values))), ct.scale


def _bound(values_path: Path, ct_scale: float) -> float:
    """G.error_bound(scale), or the stricter max_abs_error of a <stem>.bound.json that our
    C++ test wrote next to <stem>.values.f64."""
    bound = G.error_bound(ct_scale)
    side = values_path.with_name(values_path.name.replace(".values.f64", ".bound.json"))
    if side.is_file():
        declared = float(json.loads(side.read_text())["max_abs_error"])
        bound = min(bound, declared)
    return bound


def _unseeded_size(data: bytes) -> int:
    """Bytes of polynomial data an unseeded ciphertext with this (compression none) header holds:
    after the SEAL header come parms_id[32], is_ntt_form u8, size u64, N u64, k u64."""
    size, n, k = struct.unpack_from("<QQQ", data, 16 + 32 + 1)
    return size * n * k * 8


def check_set(vecdir: Path, set_name: str, res: Results, allow_missing: bool = False,
              require_seeded: bool = True) -> None:
    ours = vecdir / OURS / set_name
    oracle = vecdir / G.ORACLE / set_name
    tag = set_name
    if not (oracle / "meta.json").is_file():
        res.add(f"{tag}", False, f"no oracle objects in {oracle} (run gen_pyfhel.py first)")
        return
    meta = json.loads((oracle / "meta.json").read_text())
    n, bits, scale = meta["n"], meta["bits"], meta["scale"]
    oracle_parms = (oracle / "parms.none.bin").read_bytes()

    def oracle_he():
        he = G.load_parms_into_pyfhel(oracle_parms, bits, scale)
        # Pyfhel 3.5.0 refuses to decrypt without a public key (Afseal::get_decryptor checks
        # the encryptor), so the oracle's public key is loaded too.
        he.from_bytes_public_key((oracle / "public_key.none.bin").read_bytes())
        he.from_bytes_secret_key((oracle / "secret_key.none.bin").read_bytes())
        return he

    def have(*names: str) -> bool:
        missing = [nm for nm in names if not (ours / nm).is_file()]
        if not missing:
            return True
        what = f"{tag}/{names[0]}"
        if allow_missing:
            res.skip(what, f"missing {', '.join(missing)}")
        else:
            res.add(what, False, f"missing {', '.join(str(ours / m) for m in missing)}")
        return False

    # parms
    if have("parms.none.bin"):
        name = f"{tag}/parms.none.bin"
        try:
            data = (ours / "parms.none.bin").read_bytes()
            G.check_header(data, None, name)
            he = G.load_parms_into_pyfhel(data, bits, scale)
            resaved = G.parms_bytes(he, "none")
            s1, n1, q1, t1 = G.parse_parms(resaved)
            pid = G.expected_parms_id(n1, q1)
            if resaved == oracle_parms:
                raw = "raw bytes identical" if data == oracle_parms else "raw bytes differ"
                res.add(name, True, f"loaded; equals the oracle's parameters, parms_id {pid[:16]}...; {raw}")
            else:
                s2, n2, q2, t2 = G.parse_parms(oracle_parms)
                res.add(name, False, f"loaded but differs from the oracle's: scheme {s1}/{s2}, n {n1}/{n2}, "
                                     f"primes {q1}/{q2}, plain modulus {t1}/{t2}")
        except Exception as exc:  # SEAL load errors surface as RuntimeError/ValueError
            res.add(name, False, f"SEAL could not load it: {type(exc).__name__}: {exc}")

    # ciphertexts under the oracle's keys
    for ct_name, values_name, seeded in (("ct_pk.none.bin", "ct_pk.values.f64", False),
                                          ("ct_sym.seeded.none.bin", "ct_sym.values.f64", True),
                                          ("ct_sym.seeded.zstd.bin", "ct_sym.values.f64", True)):
        if not have(ct_name, values_name):
            continue
        name = f"{tag}/{ct_name}"
        try:
            data = (ours / ct_name).read_bytes()
            G.check_header(data, None, name)
            values = _values(ours / values_name, n)
            err, ct_scale = _decrypt_error(oracle_he(), data, values)
            bound = _bound(ours / values_name, ct_scale)
            extra = ""
            if seeded and ct_name.endswith(".none.bin"):
                full = _unseeded_size(data)
                is_seeded = len(data) < 0.75 * full
                extra = f", {'seeded' if is_seeded else 'NOT seeded'} ({len(data)} bytes)"
                if require_seeded and not is_seeded:
                    res.add(name, False, f"max_abs_err={err:.3g} (bound {bound:.3g}) but the file "
                                         f"is not a seeded ciphertext ({len(data)} bytes, unseeded ~{full})")
                    continue
            res.add(name, err <= bound, f"max_abs_err={err:.3g} (bound {bound:.3g}, "
                                        f"{values.size} {'complex' if np.iscomplexobj(values) else 'real'} "
                                        f"values, scale 2^{np.log2(ct_scale):g}){extra}")
        except Exception as exc:
            res.add(name, False, f"{type(exc).__name__}: {exc}")

    # our own keys
    if have("own/public_key.none.bin", "own/secret_key.none.bin"):
        name = f"{tag}/own/public_key.none.bin"
        try:
            he = G.load_parms_into_pyfhel(oracle_parms, bits, scale)
            he.from_bytes_secret_key((ours / "own/secret_key.none.bin").read_bytes())
            he.from_bytes_public_key((ours / "own/public_key.none.bin").read_bytes())
            probe = np.random.default_rng([G.SEED, 99]).uniform(-1, 1, n // 2)
            ct = he.encryptFrac(probe)
            err, ct_scale = _decrypt_error(he, bytes(ct.to_bytes("none")), probe)
            bound = G.error_bound(ct_scale)
            res.add(name, err <= bound, f"Pyfhel encryption under our public key decrypts with our "
                                        f"secret key: max_abs_err={err:.3g} (bound {bound:.3g})")
        except Exception as exc:
            res.add(name, False, f"{type(exc).__name__}: {exc}")
    if have("own/ct.none.bin", "own/ct.values.f64", "own/secret_key.none.bin", "own/public_key.none.bin"):
        name = f"{tag}/own/ct.none.bin"
        try:
            he = G.load_parms_into_pyfhel(oracle_parms, bits, scale)
            he.from_bytes_public_key((ours / "own/public_key.none.bin").read_bytes())  # see oracle_he
            he.from_bytes_secret_key((ours / "own/secret_key.none.bin").read_bytes())
            values = _values(ours / "own/ct.values.f64", n)
            err, ct_scale = _decrypt_error(he, (ours / "own/ct.none.bin").read_bytes(), values)
            bound = _bound(ours / "own/ct.values.f64", ct_scale)
            res.add(name, err <= bound, f"max_abs_err={err:.3g} (bound {bound:.3g}) with our secret key")
        except Exception as exc:
            res.add(name, False, f"{type(exc).__name__}: {exc}")


def check(vecdir: Path, res: Results, allow_missing: bool = False, require_seeded: bool = True) -> None:
    base = vecdir / OURS
    sets = sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
    if not sets:
        res.add(OURS, False, f"no set directories found in {base}")
        return
    for s in sets:
        check_set(vecdir, s, res, allow_missing, require_seeded)


# ------------------------------------------------------------------------------ self-test
def fabricate_ours(vecdir: Path, set_name: str) -> None:
    """Writes VECDIR/ours-for-pyfhel/<set>/ with Pyfhel itself. Pyfhel cannot make seeded
    symmetric ciphertexts: the ct_sym.seeded.* files are unseeded public-key stand-ins."""
    oracle = vecdir / G.ORACLE / set_name
    ours = vecdir / OURS / set_name
    (ours / "own").mkdir(parents=True, exist_ok=True)
    meta = json.loads((oracle / "meta.json").read_text())
    n, bits, scale = meta["n"], meta["bits"], meta["scale"]
    parms = (oracle / "parms.none.bin").read_bytes()
    shutil.copyfile(oracle / "parms.none.bin", ours / "parms.none.bin")

    he = G.load_parms_into_pyfhel(parms, bits, scale)
    he.from_bytes_public_key((oracle / "public_key.none.bin").read_bytes())
    rng = np.random.default_rng([G.SEED, 1234, n])
    v = rng.uniform(-1, 1, n // 2)
    (ours / "ct_pk.none.bin").write_bytes(bytes(he.encryptFrac(v).to_bytes("none")))
    G.write_f64(ours / "ct_pk.values.f64", v)
    v = rng.uniform(-1, 1, n // 2)
    ct = he.encryptFrac(v)
    (ours / "ct_sym.seeded.none.bin").write_bytes(bytes(ct.to_bytes("none")))
    (ours / "ct_sym.seeded.zstd.bin").write_bytes(bytes(ct.to_bytes("zstd")))
    G.write_f64(ours / "ct_sym.values.f64", v)

    own = G.load_parms_into_pyfhel(parms, bits, scale)
    own.keyGen()
    (ours / "own/secret_key.none.bin").write_bytes(bytes(own.to_bytes_secret_key("none")))
    (ours / "own/public_key.none.bin").write_bytes(bytes(own.to_bytes_public_key("none")))
    v = rng.uniform(-1, 1, 100)                                   # partial slots
    (ours / "own/ct.none.bin").write_bytes(bytes(own.encryptFrac(v).to_bytes("none")))
    G.write_f64(ours / "own/ct.values.f64", v)


def corrupt_ciphertext(path: Path) -> None:
    """Halves one coefficient word of the polynomial data (the data is the file's tail), so the
    file still loads (the word stays below its prime) but decrypts to garbage."""
    data = bytearray(path.read_bytes())
    pos = len(data) - 8 * 1001
    word = struct.unpack_from("<Q", data, pos)[0]
    struct.pack_into("<Q", data, pos, word // 2 if word > 1 else 12345)
    path.write_bytes(bytes(data))


def self_test(keep: bool = False) -> int:
    out = Results(echo=False)
    tmp = Path(tempfile.mkdtemp(prefix="check_pyfhel_selftest."))
    try:
        G.generate(tmp, parts=("sets",), quiet=True)
        sets = [G.set_name(n, bits) for n, bits, _ in G.OBJECT_SETS]
        for s in sets:
            fabricate_ours(tmp, s)
        print(f"-- self-test: checking Pyfhel-fabricated files in {tmp / OURS}")
        clean = Results(prefix="   (clean) ")
        check(tmp, clean, require_seeded=False)
        out.add("self-test clean", clean.failed == 0 and clean.passed > 0,
                f"{clean.passed} passed, {clean.failed} failed (expected all to pass)")

        victim = tmp / OURS / sets[0] / "ct_pk.none.bin"
        corrupt_ciphertext(victim)
        print(f"-- self-test: after corrupting {victim.relative_to(tmp)}")
        bad = Results(prefix="   (corrupted) ")
        check(tmp, bad, require_seeded=False)
        failed = [nm for nm, ok, _ in bad.items if not ok]
        want = f"{sets[0]}/ct_pk.none.bin"
        out.add("self-test corrupted", failed == [want],
                f"failed checks {failed} (expected exactly [{want!r}])")
        print("-- self-test: summary")
        for nm, ok, msg in out.items:
            print(f"{'PASS' if ok else 'FAIL'} {nm}: {msg}")
    except Exception as exc:
        out.add("self-test", False, f"aborted: {type(exc).__name__}: {exc}")
        print(f"FAIL self-test: aborted: {type(exc).__name__}: {exc}")
    finally:
        if keep:
            print(f"(kept {tmp})")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{out.passed} passed, {out.failed} failed")
    return 1 if out.failed or not out.passed else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("vecdir", nargs="?", type=Path, help="the interop vector directory ($VEC)")
    ap.add_argument("--allow-missing", action="store_true",
                    help="skip (do not fail) checks whose input files are absent")
    ap.add_argument("--self-test", action="store_true", help="check fabricated files, see above")
    ap.add_argument("--keep", action="store_true", help="--self-test: keep the temporary directory")
    args = ap.parse_args(argv)
    if args.self_test:
        if args.vecdir:
            ap.error("--self-test uses its own temporary directory; give no VECDIR")
        return self_test(args.keep)
    if not args.vecdir:
        ap.error("VECDIR is required")
    res = Results()
    check(args.vecdir, res, allow_missing=args.allow_missing)
    print(f"{res.passed} passed, {res.failed} failed")
    return 1 if res.failed or not res.passed else 0


if __name__ == "__main__":
    sys.exit(main())
