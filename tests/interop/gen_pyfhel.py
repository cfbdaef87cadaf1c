#!/usr/bin/env python3
"""Writes the Pyfhel 3.5.0 (native Microsoft SEAL 4.1.2) interop vectors described in
tests/interop/FORMAT.md into OUTDIR/pyfhel/.

    .venv/bin/python tests/interop/gen_pyfhel.py OUTDIR [--only params,sets,encode]

Everything SEAL serialized here is exactly what Pyfhel's to_bytes_* wrote, except that the
Pyfhel-specific prefix of to_bytes_context() (int sec, size_t count, int qi_sizes[count],
double scale) is stripped, leaving SEAL's EncryptionParameters save. Values come from numpy's
default_rng with fixed seeds, so every values file and every encoder plaintext is
reproducible; keys and ciphertexts are random (SEAL's own randomness).

What Pyfhel cannot produce (it has no symmetric encryption and generates public, relin and
Galois keys with the unseeded KeyGenerator overloads) is listed in each meta.json "missing".
params.json: primes come from Pyfhel.get_qi(); every parms_id is read from a SEAL object that
Pyfhel serialized at that level (secret key for the key level, a plaintext mod-switched down the
chain for the data levels), and is cross-checked against SEAL's definition
(BLAKE2b-256 of [scheme, N, q_0..q_k, plain_modulus] as little-endian u64).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import struct
import sys
import time
from pathlib import Path

import numpy as np

try:
    import Pyfhel as _pyfhel_pkg
    from Pyfhel import Pyfhel, PyCtxt, PyPtxt
except ImportError as exc:  # pragma: no cover - environment problem
    sys.exit(f"gen_pyfhel.py: cannot import Pyfhel ({exc}); run scripts/setup-python.sh "
             "and use .venv/bin/python")

ORACLE = "pyfhel"
PYFHEL_VERSION = "3.5.0"
COMPRESSIONS = ("none", "zlib", "zstd")
COMPR_BYTE = {"none": 0, "zlib": 1, "zstd": 2}
SEAL_MAGIC = 0xA15E
SEAL_HEADER_SIZE = 16
SEED = 20250821
CKKS_SCHEME_BYTE = 2  # seal::scheme_type::ckks

# The two object sets of FORMAT.md, with the Galois steps we request.
OBJECT_SETS = [
    # (n, bits, scale_bits)
    (8192, [60, 40, 40, 60], 40),
    (16384, [60, 30, 30, 60], 30),
]
GALOIS_STEPS = [1, -1, 3, 0]

# (n, bits) combinations for params.json (insecure ones are detected with SEAL's own check).
PARAM_COMBOS = [
    (1024, [27]),
    (1024, [30, 30]),
    (2048, [27, 27]),
    (2048, [30, 30, 30]),
    (4096, [36, 36, 37]),
    (4096, [40, 20, 40]),
    (8192, [60, 40, 40, 60]),
    (8192, [60, 30, 30, 60]),
    (8192, [50, 30, 30, 30, 50]),
    (8192, [60, 60, 60, 60, 60]),
    (16384, [60, 30, 30, 60]),
    (16384, [60] * 7),
    (16384, [60, 40, 40, 40, 40, 40, 40, 60]),
    (32768, [60, 50, 50, 60]),
    (32768, [60] + [40] * 18 + [60]),
]

# Objects Pyfhel has no API for. Listed as name prefixes (what interop_test.cpp matches: an
# entry covers every file name starting with it) followed by the individual FORMAT.md files.
MISSING = (
    ["public_key.seeded", "relin_keys.seeded", "galois_keys.seeded", "ct_sym"]
    + [f"{k}.seeded.{c}.bin" for k in ("public_key", "relin_keys", "galois_keys") for c in COMPRESSIONS]
    + [f"{k}.seeded.expanded.bin" for k in ("public_key", "relin_keys", "galois_keys")]
    + [f"ct_sym.seeded.{c}.bin" for c in COMPRESSIONS]
    + ["ct_sym.values.f64", "ct_sym.seeded.expanded.bin"]
)


class GenError(RuntimeError):
    pass


# ----------------------------------------------------------------------------------- helpers
def set_name(n: int, bits: list[int]) -> str:
    return f"n{n}_" + "-".join(str(b) for b in bits)


def make_he(n: int, bits: list[int], scale: float | None = None) -> tuple[Pyfhel, bool]:
    """A CKKS Pyfhel context; returns (he, insecure). Security is SEAL's own check (tc128)."""
    he = Pyfhel()
    kw = dict(scheme="ckks", n=n, qi_sizes=list(bits))
    if scale:
        kw["scale"] = scale
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        status = he.contextGen(sec=128, **kw)
        insecure = False
        if not status.startswith("success"):
            if "insecure" not in status:
                raise GenError(f"contextGen(n={n}, qi_sizes={bits}) failed: {status}")
            he = Pyfhel()
            status = he.contextGen(sec=0, **kw)
            insecure = True
            if not status.startswith("success"):
                raise GenError(f"contextGen(n={n}, qi_sizes={bits}, sec=0) failed: {status}")
    return he, insecure


def context_prefix_len(he: Pyfhel) -> int:
    """Length of the prefix Pyfhel.to_bytes_context() writes before SEAL's parms."""
    return 4 + 8 + 4 * len(he.qi_sizes) + 8


def context_prefix(qi_sizes: list[int], scale: float, sec: int = 0) -> bytes:
    """The prefix Pyfhel.from_bytes_context() expects (see Pyfhel/utils/cy_utils.pxi)."""
    return (struct.pack("<i", sec) + struct.pack("<Q", len(qi_sizes))
            + struct.pack(f"<{len(qi_sizes)}i", *qi_sizes) + struct.pack("<d", scale))


def parms_bytes(he: Pyfhel, compr: str) -> bytes:
    return bytes(he.to_bytes_context(compr))[context_prefix_len(he):]


def load_parms_into_pyfhel(parms: bytes, qi_sizes: list[int], scale: float) -> Pyfhel:
    """A Pyfhel whose context is loaded from a SEAL EncryptionParameters save (sec none)."""
    he = Pyfhel()
    he.from_bytes_context(context_prefix(qi_sizes, scale, 0) + parms)
    return he


def check_header(data: bytes, compr: str | None, what: str) -> None:
    """Validates a SEAL 4.1 serialization header (and that the compression is the requested one:
    Pyfhel silently falls back to 'none' for an unknown compression name)."""
    if len(data) < SEAL_HEADER_SIZE:
        raise GenError(f"{what}: {len(data)} bytes, shorter than a SEAL header")
    magic, hsize, vmaj, vmin, cm, _res, size = struct.unpack_from("<HBBBBHQ", data, 0)
    if magic != SEAL_MAGIC or hsize != SEAL_HEADER_SIZE:
        raise GenError(f"{what}: not a SEAL serialization (header {data[:16].hex()})")
    if (vmaj, vmin) != (4, 1):
        raise GenError(f"{what}: SEAL serialization version {vmaj}.{vmin}, expected 4.1")
    if compr is not None and cm != COMPR_BYTE[compr]:
        raise GenError(f"{what}: compression byte {cm}, expected {COMPR_BYTE[compr]} ({compr}); "
                       "was this SEAL built without zlib/zstd?")
    if size != len(data):
        raise GenError(f"{what}: header size {size} != {len(data)} bytes")


def parse_parms(data: bytes) -> tuple[int, int, list[int], int]:
    """(scheme, n, coeff_modulus, plain_modulus) of an EncryptionParameters save (compression
    none): scheme u8, n u64, count u64, count Modulus saves, plain Modulus save."""
    check_header(data, "none", "parms")
    scheme, n, count = struct.unpack_from("<BQQ", data, 16)
    off = 16 + 17
    mods = []
    for _ in range(count + 1):
        check_header(data[off:off + 24], "none", "parms modulus")
        mods.append(struct.unpack_from("<Q", data, off + 16)[0])
        off += 24
    if off != len(data):
        raise GenError(f"parms: {len(data) - off} trailing bytes")
    return scheme, n, mods[:-1], mods[-1]


def parms_id_of(data: bytes) -> str:
    """parms_id of a SEAL Plaintext/Ciphertext/SecretKey save with compression none."""
    check_header(data, "none", "object")
    return data[16:48].hex()


def expected_parms_id(n: int, primes: list[int]) -> str:
    """SEAL's parms_id: BLAKE2b-256 of [scheme, N, q..., plain_modulus] (u64 LE)."""
    words = [CKKS_SCHEME_BYTE, n, *primes, 0]
    return hashlib.blake2b(struct.pack(f"<{len(words)}Q", *words), digest_size=32).hexdigest()


def galois_elt(step: int, n: int) -> int:
    """SEAL 4.1 GaloisTool::get_elt_from_step."""
    m = 2 * n
    if step == 0:
        return m - 1
    pos = abs(step)
    if pos >= n // 2:
        raise GenError(f"galois step {step} too large for n={n}")
    if step < 0:
        pos = n // 2 - pos
    return pow(3, pos, m)


def galois_elts_in_keys(data: bytes) -> list[int]:
    """Galois elements present in a GaloisKeys save (compression none)."""
    check_header(data, "none", "galois keys")
    off = 16 + 32
    (dim1,) = struct.unpack_from("<Q", data, off)
    off += 8
    elts = []
    for i in range(dim1):
        (dim2,) = struct.unpack_from("<Q", data, off)
        off += 8
        for _ in range(dim2):
            (size,) = struct.unpack_from("<Q", data, off + 8)
            off += size
        if dim2:
            elts.append(2 * i + 1)
    if off != len(data):
        raise GenError("galois keys: trailing bytes after the key list")
    return elts


def write_bytes(path: Path, data: bytes, compr: str | None = "none") -> None:
    check_header(data, compr, str(path.name))
    path.write_bytes(data)


def write_f64(path: Path, values: np.ndarray) -> None:
    if np.iscomplexobj(values):
        arr = np.ascontiguousarray(values, dtype="<c16")
    else:
        arr = np.ascontiguousarray(values, dtype="<f8")
    path.write_bytes(arr.tobytes())


def read_f64(path: Path, complex_values: bool = False) -> np.ndarray:
    data = path.read_bytes()
    if len(data) % (16 if complex_values else 8):
        raise GenError(f"{path}: size {len(data)} is not a multiple of the value size")
    return np.frombuffer(data, dtype="<c16" if complex_values else "<f8").copy()


def level_chain(he: Pyfhel, n: int) -> list[dict]:
    """[{chain_index, primes, parms_id}] from the key level down to the last level."""
    qi = [int(q) for q in he.get_qi()]
    he.keyGen()
    key_pid = parms_id_of(bytes(he.to_bytes_secret_key("none")))
    levels = [{"chain_index": len(qi) - 1, "primes": [str(q) for q in qi], "parms_id": key_pid}]
    if len(qi) > 1:
        pt = he.encodeFrac(np.zeros(1), scale=2.0)
        for k in range(len(qi) - 1, 0, -1):
            levels.append({"chain_index": k - 1, "primes": [str(q) for q in qi[:k]],
                           "parms_id": parms_id_of(bytes(pt.to_bytes("none")))})
            if k > 1:
                he.mod_switch_to_next_ptxt(pt, in_new_ptxt=False)
    for lv in levels:
        want = expected_parms_id(n, [int(p) for p in lv["primes"]])
        if lv["parms_id"] != want:
            raise GenError(f"n={n} chain_index {lv['chain_index']}: parms_id {lv['parms_id']} "
                           f"from SEAL differs from BLAKE2b definition {want}")
    return levels


# ------------------------------------------------------------------------------- params.json
def write_params(root: Path) -> list[dict]:
    out = []
    for n, bits in PARAM_COMBOS:
        he, insecure = make_he(n, bits, scale=2.0 ** 20)
        qi = [int(q) for q in he.get_qi()]
        got_bits = [q.bit_length() for q in qi]
        if got_bits != bits:
            raise GenError(f"n={n}: primes have bit sizes {got_bits}, requested {bits}")
        out.append({"n": n, "bits": bits, "insecure": insecure, "levels": level_chain(he, n)})
    (root / "params.json").write_text(json.dumps(out, indent=1) + "\n")
    return out


# ------------------------------------------------------------------------------ object sets
def write_object_set(root: Path, n: int, bits: list[int], scale_bits: int,
                     galois_steps: list[int] = GALOIS_STEPS) -> dict:
    scale = 2.0 ** scale_bits
    d = root / set_name(n, bits)
    d.mkdir(parents=True, exist_ok=True)
    he, insecure = make_he(n, bits, scale=scale)
    he.keyGen()
    he.relinKeyGen()
    he.rotateKeyGen(list(galois_steps))
    elts = [galois_elt(s, n) for s in galois_steps]
    got = galois_elts_in_keys(bytes(he.to_bytes_rotate_key("none")))
    if sorted(set(elts)) != got:
        raise GenError(f"{d.name}: galois keys hold elements {got}, expected {sorted(set(elts))}")

    rng = np.random.default_rng([SEED, n, scale_bits])
    slots = n // 2
    pt_values = rng.uniform(-1.0, 1.0, slots)
    ct_values = rng.uniform(-1.0, 1.0, slots)

    pt = he.encodeFrac(pt_values)          # first data level, scale = meta.scale
    ct = he.encryptFrac(ct_values)         # public-key encryption (Pyfhel's only encryptor)
    if abs(ct.scale - scale) > 0 or abs(pt.scale - scale) > 0:
        raise GenError(f"{d.name}: unexpected scale {ct.scale}/{pt.scale}")
    ct1 = he.mod_switch_to_next(ct, in_new_obj=True)

    for c in COMPRESSIONS:
        write_bytes(d / f"parms.{c}.bin", parms_bytes(he, c), c)
        write_bytes(d / f"secret_key.{c}.bin", bytes(he.to_bytes_secret_key(c)), c)
        write_bytes(d / f"public_key.{c}.bin", bytes(he.to_bytes_public_key(c)), c)
        write_bytes(d / f"relin_keys.{c}.bin", bytes(he.to_bytes_relin_key(c)), c)
        write_bytes(d / f"galois_keys.{c}.bin", bytes(he.to_bytes_rotate_key(c)), c)
        write_bytes(d / f"plaintext.{c}.bin", bytes(pt.to_bytes(c)), c)
        write_bytes(d / f"ct_pk.{c}.bin", bytes(ct.to_bytes(c)), c)
    write_bytes(d / "ct_pk.level1.none.bin", bytes(ct1.to_bytes("none")), "none")
    write_f64(d / "plaintext.values.f64", pt_values)
    write_f64(d / "ct_pk.values.f64", ct_values)

    # Self-consistency with native SEAL.
    tol = error_bound(scale)
    err = float(np.max(np.abs(he.decryptFrac(ct)[:slots] - ct_values)))
    err1 = float(np.max(np.abs(he.decryptFrac(ct1)[:slots] - ct_values)))
    perr = float(np.max(np.abs(he.decodeFrac(pt)[:slots] - pt_values)))
    if max(err, err1) > tol or perr > 1e-6:
        raise GenError(f"{d.name}: Pyfhel round trip errors {err}, {err1}, {perr} (bound {tol})")

    levels = level_chain(make_he(n, bits, scale=scale)[0], n)
    meta = {
        "n": n, "bits": bits, "scale": scale,
        "galois_steps": list(galois_steps), "galois_elts": elts,
        "missing": MISSING,
        "insecure": insecure,
        "oracle": f"Pyfhel {_pyfhel_pkg.__version__} (Microsoft SEAL 4.1.2)",
        "parms_id": {"key": levels[0]["parms_id"], "first": levels[1]["parms_id"],
                     "level1": levels[2]["parms_id"]},
        "ct_pk_level1_chain_index": levels[2]["chain_index"],
        "values_seed": [SEED, n, scale_bits],
    }
    if parms_id_of((d / "ct_pk.none.bin").read_bytes()) != meta["parms_id"]["first"] or \
       parms_id_of((d / "ct_pk.level1.none.bin").read_bytes()) != meta["parms_id"]["level1"]:
        raise GenError(f"{d.name}: ciphertext parms_id is not the expected level")
    (d / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    return meta


def error_bound(scale: float) -> float:
    """Max abs decryption error accepted for a fresh encryption: FORMAT.md's 2^-20, relaxed to
    2^20/scale for scales below 2^40 (fresh-encryption noise is about 2^14/scale per slot, so
    2^-20 cannot hold at scale 2^30)."""
    return max(2.0 ** -20, 2.0 ** 20 / scale)


# ---------------------------------------------------------------------------------- encode/
ENC_SCALES = list(range(20, 56, 5))                # 2^20, 2^25, ..., 2^55
ENC_SET_SMALL = (8192, [60, 40, 40, 60])          # first data level: 140 bits
ENC_SET_BIG = (16384, [60] * 7)                    # first data level: 360 bits
COMBOS = [(+1, -1e-9), (+1, +1e-9), (-1, -1e-9), (-1, +1e-9)]   # (sign, relative offset)


def slot_exponents(n: int) -> np.ndarray:
    m = 2 * n
    e = np.empty(n // 2, dtype=np.int64)
    acc = 1
    for k in range(n // 2):
        e[k] = acc
        acc = (acc * 3) % m
    return e


_EXP_CACHE: dict[int, np.ndarray] = {}


def slots_from_coeffs(p: np.ndarray, scale: float) -> np.ndarray:
    """Slot values z with p(zeta^(3^k)) = z_k * scale, i.e. values whose CKKS encoding has
    (up to floating-point error) the coefficients p."""
    n = p.size
    if n not in _EXP_CACHE:
        _EXP_CACHE[n] = slot_exponents(n)
    buf = np.zeros(2 * n, dtype=np.float64)
    buf[:n] = p
    ev = np.fft.ifft(buf) * (2 * n)                 # ev[t] = sum_j p_j e^{+2 pi i j t / 2n}
    return ev[_EXP_CACHE[n]] / scale


def boundary_coeffs(rng, n: int, bits: int, real: bool, count: int = 48) -> np.ndarray:
    """Coefficients: `count` of them at +-2^bits*(1 +- 1e-9 or 1e-12), the rest small."""
    p = rng.uniform(-1.0, 1.0, n) * 2.0 ** (bits - 24)
    if real:                                        # p_{N-j} = -p_j, p_{N/2} = 0 -> real slots
        p[n // 2] = 0.0
        p[n // 2 + 1:] = -p[1:n // 2][::-1]
        pos = rng.choice(np.arange(1, n // 2), size=count, replace=False)
    else:
        pos = rng.choice(np.arange(n), size=count, replace=False)
    signs = rng.choice([-1.0, 1.0], size=count)
    rel = rng.choice([-1e-9, 1e-9, -1e-12, 1e-12], size=count)
    p[pos] = signs * 2.0 ** bits * (1.0 + rel)
    if real:
        p[n - pos] = -p[pos]
    return p


def encode_cases() -> list[dict]:
    """The case list (values are generated from the per-case seed)."""
    cases = []

    def add(n, bits, sb, kind, cplx, count, **extra):
        cases.append({"n": n, "bits": bits, "scale": 2.0 ** sb, "scale_bits": sb,
                      "complex": cplx, "count": count, "level": "first", "kind": kind, **extra})

    partial = [1, 3, 100, 1000, 4095, 17, 2048, 511]
    for si, sb in enumerate(ENC_SCALES):
        n, bits = ENC_SET_SMALL
        add(n, bits, sb, "uniform", False, n // 2)
        add(n, bits, sb, "uniform", True, n // 2)
        add(n, bits, sb, "uniform", False, partial[si])
        add(n, bits, sb, "uniform", True, partial[(si + 3) % 8])
        add(n, bits, sb, "const", False, n // 2, boundary=64, combo=si % 4)
        add(n, bits, sb, "const", False, n // 2, boundary=128, combo=(si + 1) % 4)
        add(n, bits, sb, "coeffs", False, n // 2, boundary=64)
        add(n, bits, sb, "coeffs", True, n // 2, boundary=128)
        n, bits = ENC_SET_BIG
        add(n, bits, sb, "uniform", False, n // 2)
        add(n, bits, sb, "const", False, n // 2, boundary=64, combo=(si + 2) % 4)
        add(n, bits, sb, "const", False, n // 2, boundary=128, combo=(si + 3) % 4)
        add(n, bits, sb, "mixed", False, n // 2, boundary=64)
        add(n, bits, sb, "mixed", True, n // 2, boundary=128)
        add(n, bits, sb, "coeffs", True, n // 2, boundary=64)
        add(n, bits, sb, "coeffs", False, n // 2, boundary=128)
        add(n, bits, sb, "coeffs", si % 2 == 1, n // 2, boundary=192 if si % 2 == 0 else 256)
    for i, c in enumerate(cases):
        c["id"] = f"case-{i:03d}"
    return cases


def case_values(case: dict, index: int) -> np.ndarray:
    rng = np.random.default_rng([SEED, 7, index])
    n, count, scale, cplx = case["n"], case["count"], case["scale"], case["complex"]
    kind = case["kind"]
    if kind == "uniform":
        v = rng.uniform(-1.0, 1.0, count)
        if cplx:
            v = v + 1j * rng.uniform(-1.0, 1.0, count)
        return v
    big = 2.0 ** case["boundary"] / scale
    if kind == "const":                 # coefficient 0 of the encoding = value * scale
        sign, rel = COMBOS[case["combo"]]
        case["note"] = f"all slots {'+' if sign > 0 else '-'}2^{case['boundary']}/scale*(1{rel:+g})"
        return np.full(count, sign * big * (1.0 + rel))
    if kind == "mixed":                 # half the slots +-big*(1 +- 1e-9), the rest in [-1, 1]
        v = rng.uniform(-1.0, 1.0, count)
        idx = rng.choice(count, size=count // 2, replace=False)
        v[idx] = rng.choice([-1.0, 1.0], idx.size) * big * (1.0 + rng.choice([-1e-9, 1e-9], idx.size))
        if cplx:
            w = rng.uniform(-1.0, 1.0, count)
            jdx = rng.choice(count, size=count // 4, replace=False)
            w[jdx] = rng.choice([-1.0, 1.0], jdx.size) * big * (1.0 + rng.choice([-1e-9, 1e-9], jdx.size))
            v = v + 1j * w
        return v
    if kind == "coeffs":                # chosen coefficients near +-2^boundary
        case["note"] = (f"48 coefficients at +-2^{case['boundary']}*(1 +- 1e-9 or 1e-12), "
                        f"the rest below 2^{case['boundary'] - 24}")
        z = slots_from_coeffs(boundary_coeffs(rng, n, case["boundary"], real=not cplx), scale)
        return z if cplx else np.ascontiguousarray(z.real)
    raise GenError(f"unknown case kind {kind}")


def write_encode(root: Path) -> list[dict]:
    d = root / "encode"
    d.mkdir(parents=True, exist_ok=True)
    cases = encode_cases()
    contexts = {}
    for i, case in enumerate(cases):
        key = (case["n"], tuple(case["bits"]))
        if key not in contexts:
            contexts[key] = make_he(case["n"], case["bits"], scale=2.0 ** 40)[0]
        he = contexts[key]
        values = case_values(case, i)
        if values.size != case["count"]:
            raise GenError(f"{case['id']}: {values.size} values, expected {case['count']}")
        try:
            if case["complex"]:
                pt = he.encodeComplex(np.ascontiguousarray(values, dtype=np.complex128), scale=case["scale"])
            else:
                pt = he.encodeFrac(np.ascontiguousarray(values, dtype=np.float64), scale=case["scale"])
        except Exception as exc:
            raise GenError(f"{case['id']} ({case['kind']}, scale 2^{case['scale_bits']}): "
                           f"SEAL refused to encode: {exc}") from exc
        data = bytes(pt.to_bytes("none"))
        write_bytes(d / f"{case['id']}.plain.bin", data, "none")
        write_f64(d / f"{case['id']}.values.f64", values)
        # Sanity: native decode gives the values back (relative to their magnitude).
        dec = he.decodeComplex(pt)[: values.size] if case["complex"] else he.decodeFrac(pt)[: values.size]
        mag = max(1.0, float(np.max(np.abs(values))))
        err = float(np.max(np.abs(dec - values))) / mag
        if err > 1e-3:
            raise GenError(f"{case['id']}: SEAL decode differs from the values (rel. error {err})")
    (d / "cases.json").write_text(json.dumps(cases, indent=1) + "\n")
    return cases


# ------------------------------------------------------------------------------------ main
def generate(outdir: Path, parts=("params", "sets", "encode"), quiet: bool = False) -> Path:
    root = outdir / ORACLE
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    t0 = time.monotonic()
    log = (lambda *a: None) if quiet else (lambda *a: print("gen_pyfhel:", *a, flush=True))
    if "params" in parts:
        p = write_params(root)
        log(f"params.json: {len(p)} (n, bits) combinations")
    if "sets" in parts:
        for n, bits, sb in OBJECT_SETS:
            write_object_set(root, n, bits, sb)
            log(f"{set_name(n, bits)}: object set written (scale 2^{sb})")
    if "encode" in parts:
        cases = write_encode(root)
        log(f"encode/: {len(cases)} cases")
    log(f"done in {time.monotonic() - t0:.1f} s -> {root}")
    return root


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", type=Path, help="writes OUTDIR/pyfhel/")
    ap.add_argument("--only", default="params,sets,encode",
                    help="comma-separated subset of params,sets,encode (default: all)")
    args = ap.parse_args(argv)
    parts = tuple(p.strip() for p in args.only.split(",") if p.strip())
    bad = [p for p in parts if p not in ("params", "sets", "encode")]
    if bad:
        ap.error(f"unknown part(s) {bad}")
    try:
        generate(args.outdir, parts)
    except GenError as exc:
        print(f"gen_pyfhel.py: ERROR: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
